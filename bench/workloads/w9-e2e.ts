import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chainSpecs, randomDagSpecs, wideSpecs, type StepSpec } from '../lib/engine.ts';
import { CLI_BIN, runNode, SOURCE_FLAGS, type ChildRun } from '../lib/child.ts';
import { interleave, ratio, summarize } from '../lib/stats.ts';
import { fmt } from '../lib/report.ts';
import type { Row } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';
import { missionYaml } from '../lib/yaml-gen.ts';
import { ledgerChainCost } from '../lib/ledger-cost.ts';

/**
 * Workload 9: what a user pays, end to end through the CLI (a fresh `node` per call running the
 * built bin, as an installed `rustchain` does; bench/run.ts rebuilds a stale dist/ first):
 * per-step cost from the difference of two chain lengths (so start-up cancels), with the ledger's durability none and fsync; a
 * 10,000-step fan-out; `mission validate` of a 100,000-step DAG as YAML and as JSON; peak RSS
 * (process.resourceUsage().maxRSS in the child) of a 50,000-step chain and of a 1,000,000-step
 * fan-out. Baselines in the same rounds: `node -e 0`, JSON.parse / yaml / js-yaml of the same
 * text in a fresh process, and the ledger's own commit cost per chain step in this process.
 */

const FANOUT_CHILD = fileURLToPath(new URL('../fanout-child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** `node <file>` that reads `file` and parses it with `how` (JSON.parse, yaml, js-yaml). */
function parseScript(how: 'json' | 'yaml' | 'js-yaml', file: string): string[] {
  const parse = how === 'json' ? 'JSON.parse(t)' : how === 'yaml' ? "(await import('yaml')).parse(t)" : "(await import('js-yaml')).default.load(t)";
  const root = fileURLToPath(new URL('../../', import.meta.url));
  // Resolved from the repository (the child runs in a temp dir without node_modules).
  const code = `import { createRequire } from 'node:module'; const require = createRequire(${JSON.stringify(root)});
const t = (await import('node:fs')).readFileSync(${JSON.stringify(file)}, 'utf8');
${how === 'json' ? '' : `const m = await import(require.resolve(${JSON.stringify(how)}));`}
const v = ${parse.replace(/\(await import\('(yaml|js-yaml)'\)\)/, 'm')}; if (!v) process.exit(1);`;
  return ['--input-type=module', '-e', code];
}

/** The mission as JSON, as a `.json` mission file holds it. */
function missionJson(name: string, specs: readonly StepSpec[]): string {
  return JSON.stringify({ version: '1.0', name, steps: specs.map((s) => ({ id: s.id, step_type: s.type, ...(s.dependsOn?.length ? { depends_on: s.dependsOn } : {}) })) });
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const q = ctx.quick;
  const dir = join(ctx.workDir, 'e2e');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'e2e', private: true }));
  // A state dir per series, each with its own key dir (the kept signed head lives there).
  const cli = (args: readonly string[], home: string, extra: { keepStdout?: boolean; timeoutMs?: number } = {}) => (): Promise<ChildRun> =>
    runNode([CLI_BIN, ...args], {
      cwd: dir,
      env: { RUSTCHAIN_HOME: join(ctx.workDir, home), RUSTCHAIN_KEY_DIR: join(ctx.workDir, `${home}-keys`) },
      ...extra,
    });
  const node0 = (): Promise<ChildRun> => runNode(['-e', '0'], { cwd: dir });
  const rows: Row[] = [];
  const runs = Math.max(3, ctx.runs);
  // Wall ms per run; each child's CPU time (user + system) is kept by name on the side.
  const cpu: Record<string, number[]> = {};
  const ms = (f: () => Promise<ChildRun>, name?: string) => async (): Promise<number> => {
    const r = await f();
    if (name !== undefined) (cpu[name] ??= []).push(r.cpuMs);
    return r.ms;
  };
  const cpuOf = (name: string, n: number): number[] => (cpu[name] ?? []).slice(-n);

  // 9a/9b: per-step cost from two chain lengths.
  const short = 20;
  const long = q ? 1_020 : 4_020;
  const longFsync = q ? 220 : 1_020;
  await writeFile(join(dir, 'short.yaml'), missionYaml('short', chainSpecs(short, 'noop')));
  await writeFile(join(dir, 'long.yaml'), missionYaml('long', chainSpecs(long, 'noop')));
  await writeFile(join(dir, 'long-fsync.yaml'), missionYaml('longfsync', chainSpecs(longFsync, 'noop')));
  const exec = (file: string, durability: 'none' | 'fsync') => cli(['mission', 'execute', file, '--json', `--durability=${durability}`], `home-${durability}`, { keepStdout: false });
  ctx.log(`9a/9b: per-step cost through the CLI (${short}- vs ${long}-step chain, durability none; ${longFsync} with fsync)`);
  const perStep = await interleave({
    node: ms(node0),
    shortNone: ms(exec('short.yaml', 'none'), 'shortNone'),
    longNone: ms(exec('long.yaml', 'none'), 'longNone'),
    shortFsync: ms(exec('short.yaml', 'fsync'), 'shortFsync'),
    longFsync: ms(exec('long-fsync.yaml', 'fsync'), 'longFsync'),
    ledgerNone: async () => {
      const r = await ledgerChainCost(join(ctx.workDir, 'ledger-none'), 2_000, false);
      (cpu['ledgerNone'] ??= []).push(r.cpuUs);
      return r.wallUs;
    },
    ledgerFsync: async () => (await ledgerChainCost(join(ctx.workDir, 'ledger-fsync'), q ? 100 : 300, true)).wallUs,
  }, runs);
  const diff = (a: number[], b: number[], steps: number): number[] => a.map((v, i) => ((v - (b[i] ?? Number.NaN)) * 1000) / steps);
  // On a machine others load, wall time is mostly waiting for a core (it even came out
  // negative): the no-fsync per-step cost is judged on CPU time (user + system of the child,
  // the same difference), with the wall-time difference beside it.
  const noneWallUs = diff(perStep.longNone!, perStep.shortNone!, long - short);
  const noneUs = diff(cpuOf('longNone', runs), cpuOf('shortNone', runs), long - short);
  const ledgerCpu = cpuOf('ledgerNone', runs);
  const fsyncUs = diff(perStep.longFsync!, perStep.shortFsync!, longFsync - short);
  const noneMed = summarize(noneUs).median;
  const fsyncRatio = ratio(fsyncUs, perStep.ledgerFsync!);
  rows.push({
    id: '9a', workload: `CLI per-step cost (CPU time), noop chain, ledger on, durability none (${long.toLocaleString('en')} − ${short} steps)`, unit: 'µs/step',
    ours: summarize(noneUs), baseline: { label: "the ledger's own commits per chain step, no fsync (in-process, CPU time)", figure: summarize(ledgerCpu) },
    ratio: ratio(noneUs, ledgerCpu),
    target: { text: '≤ 40 µs/step', met: noneMed <= 40, ...(noneMed > 40 ? { gap: `${fmt(noneMed)} µs/step` } : {}) },
    extra: {
      'wall time per step (same difference)': `${fmt(summarize(noneWallUs).median)} µs (the ledger's own, wall: ${fmt(summarize(perStep.ledgerNone!).median)} µs)`,
      [`${short}-step run`]: `${fmt(summarize(perStep.shortNone!).median)} ms wall, ${fmt(summarize(cpuOf('shortNone', runs)).median)} ms CPU (node -e 0: ${fmt(summarize(perStep.node!).median)} ms)`,
      [`${long}-step run`]: `${fmt(summarize(perStep.longNone!).median)} ms wall, ${fmt(summarize(cpuOf('longNone', runs)).median)} ms CPU`,
    },
    status: 'measured',
  });
  rows.push({
    id: '9b', workload: `CLI per-step cost, noop chain, ledger + fsync (${longFsync.toLocaleString('en')} − ${short} steps)`, unit: 'µs/step',
    ours: summarize(fsyncUs), baseline: { label: "the ledger's own fsynced commits per chain step (in-process)", figure: summarize(perStep.ledgerFsync!) },
    ratio: fsyncRatio,
    target: { text: "≤ 1.2× the ledger's fsync cost", met: fsyncRatio.median <= 1.2, ...(fsyncRatio.median > 1.2 ? { gap: `${fmt(fsyncRatio.median)}×` } : {}) },
    extra: { 'CPU time per step (user + system, same difference)': `${fmt(summarize(diff(cpuOf('longFsync', runs), cpuOf('shortFsync', runs), longFsync - short)).median)} µs` },
    status: 'measured',
  });

  // 9h: side-effect steps (each start and success durable before it goes on) at two chain
  // lengths: the per-step cost must not grow with the mission (the run state used to be
  // rewritten whole at each of them, which made a chain quadratic).
  const sideShort = 20;
  const sideMid = q ? 250 : 1_000;
  const sideLong = q ? 1_000 : 4_000;
  const appendStep = { path: 'journal.txt', content: 'x\n', append: true };
  for (const n of [sideShort, sideMid, sideLong]) await writeFile(join(dir, `side-${n}.yaml`), missionYaml(`side${n}`, chainSpecs(n, 'edit_file', appendStep)));
  const side = (n: number) => ms(cli(['mission', 'execute', `side-${n}.yaml`, '--json', '--durability=none', '--allow-write'], 'home-side', { keepStdout: false }));
  ctx.log(`9h: side-effect (edit_file) chains of ${sideShort}, ${sideMid} and ${sideLong} steps through the CLI`);
  const sideRuns = await interleave({ short: side(sideShort), mid: side(sideMid), long: side(sideLong) }, runs);
  const midUs = diff(sideRuns.mid!, sideRuns.short!, sideMid - sideShort);
  const longUs = diff(sideRuns.long!, sideRuns.short!, sideLong - sideShort);
  const sideRatio = ratio(longUs, midUs);
  rows.push({
    id: '9h', workload: `CLI per-step cost of a side-effect chain (edit_file append, durability none), ${sideLong.toLocaleString('en')} steps vs ${sideMid.toLocaleString('en')}`, unit: 'µs/step',
    ours: summarize(longUs), baseline: { label: `the same per step in a ${sideMid.toLocaleString('en')}-step chain`, figure: summarize(midUs) }, ratio: sideRatio,
    target: { text: 'per-step cost independent of the step count (≤ 1.2×)', met: sideRatio.median <= 1.2, ...(sideRatio.median > 1.2 ? { gap: `${fmt(sideRatio.median)}×` } : {}) },
    extra: { [`${sideShort}-step run`]: `${fmt(summarize(sideRuns.short!).median)} ms wall` },
    status: 'measured',
  });

  // 9c: 10,000-step fan-out end to end.
  const fan = q ? 2_000 : 10_000;
  await writeFile(join(dir, 'fan.yaml'), missionYaml('fan', wideSpecs(fan, 'noop')));
  ctx.log(`9c: ${fan}-step fan-out through the CLI`);
  const fanRss: number[] = [];
  const fanRuns = await interleave({
    node: ms(node0),
    one: ms(cli(['mission', 'execute', 'short.yaml', '--json', '--durability=none'], 'home-fan', { keepStdout: true }), 'one'),
    fan: async () => {
      const r = await cli(['mission', 'execute', 'fan.yaml', '--json', '--durability=none'], 'home-fan', { keepStdout: true })();
      fanRss.push(r.maxRssBytes);
      (cpu['fan'] ??= []).push(r.cpuMs);
      return r.ms;
    },
  }, runs);
  const fanMed = summarize(fanRuns.fan!).median;
  rows.push({
    id: '9c', workload: `CLI ${fan.toLocaleString('en')}-step noop fan-out, end to end (ledger on, durability none, --json read)`, unit: 'ms',
    ours: summarize(fanRuns.fan!), baseline: { label: '`node -e 0`', figure: summarize(fanRuns.node!) }, ratio: ratio(fanRuns.fan!, fanRuns.node!),
    target: { text: '≤ 500 ms', met: fanMed <= 500, ...(fanMed > 500 ? { gap: `${fmt(fanMed)} ms` } : {}) },
    extra: {
      'CPU time': `${fmt(summarize(cpuOf('fan', runs)).median)} ms`,
      [`the ${short}-step chain (start-up and fixed costs)`]: `${fmt(summarize(fanRuns.one!).median)} ms wall, ${fmt(summarize(cpuOf('one', runs)).median)} ms CPU`,
      'peak RSS': `${fmt(summarize(fanRss).median / 2 ** 20)} MiB`,
    },
    status: 'measured',
  });

  // 9d/9e: validate a 100,000-step DAG through the CLI.
  const dagN = q ? 10_000 : 100_000;
  const dag = randomDagSpecs(dagN, 'noop');
  const yamlText = missionYaml('dag', dag);
  await writeFile(join(dir, 'dag.yaml'), yamlText);
  await writeFile(join(dir, 'dag.json'), missionJson('dag', dag));
  const maxBytes = String(64 * 2 ** 20);
  const validate = (file: string) => ms(cli(['mission', 'validate', file, '--json', `--max-bytes=${maxBytes}`], 'home-validate', { keepStdout: true }), file);
  const parseIn = (how: 'json' | 'yaml' | 'js-yaml', file: string) => ms(() => runNode(parseScript(how, join(dir, file)), { cwd: dir }));
  ctx.log(`9d/9e: mission validate of a ${dagN}-step DAG through the CLI (${fmt(yamlText.length / 2 ** 20)} MiB YAML)`);
  const v = await interleave({
    node: ms(node0),
    yaml: validate('dag.yaml'),
    json: validate('dag.json'),
    jsonParse: parseIn('json', 'dag.json'),
    jsYaml: parseIn('js-yaml', 'dag.yaml'),
    yamlParse: parseIn('yaml', 'dag.yaml'),
  }, Math.max(3, runs - 2));
  const vRow = (id: string, key: 'yaml' | 'json', limit: number, base: 'jsYaml' | 'jsonParse', label: string): Row => {
    const med = summarize(v[key]!).median;
    return {
      id, workload: `CLI \`mission validate\`, ${dagN.toLocaleString('en')}-step random DAG, ${key.toUpperCase()}`, unit: 'ms',
      ours: summarize(v[key]!), baseline: { label, figure: summarize(v[base]!) }, ratio: ratio(v[key]!, v[base]!),
      target: { text: `≤ ${limit} ms`, met: med <= limit, ...(med > limit ? { gap: `${fmt(med)} ms` } : {}) },
      extra: {
        'CPU time': `${fmt(summarize(cpuOf(`dag.${key}`, v[key]!.length)).median)} ms`,
        '`node -e 0`': `${fmt(summarize(v.node!).median)} ms`,
        ...(key === 'yaml' ? { '`yaml` parse (the library the loader uses), fresh process': `${fmt(summarize(v.yamlParse!).median)} ms` } : {}),
      },
      status: `measured (${v[key]!.length} runs)`,
    };
  };
  rows.push(vRow('9d', 'yaml', 2000, 'jsYaml', 'js-yaml load of the same text, fresh process'));
  rows.push(vRow('9e', 'json', 1000, 'jsonParse', 'JSON.parse of the same text, fresh process'));

  // 9f/9g: peak RSS of a 50,000-step chain (CLI) and a 1,000,000-step fan-out (engine, in a child).
  const chainN = q ? 10_000 : 50_000;
  await writeFile(join(dir, 'chain50k.yaml'), missionYaml('chain', chainSpecs(chainN, 'noop')));
  ctx.log(`9f: peak RSS of a ${chainN}-step chain through the CLI`);
  const rss = { node: [] as number[], chain: [] as number[], chainMs: [] as number[], chainCpu: [] as number[] };
  for (let i = 0; i < (q ? 1 : 2); i++) {
    rss.node.push((await node0()).maxRssBytes);
    const r = await cli(['mission', 'execute', 'chain50k.yaml', '--json', '--durability=none'], 'home-chain', { keepStdout: true })();
    rss.chain.push(r.maxRssBytes);
    rss.chainMs.push(r.ms);
    rss.chainCpu.push(r.cpuMs);
  }
  const mb = (xs: number[]): number[] => xs.map((x) => x / 1e6);
  const chainMb = summarize(mb(rss.chain)).median;
  rows.push({
    id: '9f', workload: `peak RSS, CLI ${chainN.toLocaleString('en')}-step noop chain (ledger on, durability none)`, unit: 'MB',
    ours: summarize(mb(rss.chain)), baseline: { label: '`node -e 0`', figure: summarize(mb(rss.node)) }, ratio: ratio(rss.chain, rss.node),
    target: { text: '≤ 150 MB', met: chainMb <= 150, ...(chainMb > 150 ? { gap: `${fmt(chainMb)} MB` } : {}) },
    extra: {
      wall: `${fmt(summarize(rss.chainMs).median)} ms (CPU ${fmt(summarize(rss.chainCpu).median)} ms)`,
      'per step over node -e 0': `${fmt(((summarize(rss.chain).median - summarize(rss.node).median) / chainN) / 1024)} KiB`,
      // 9a's method at scale: the 4,020-step difference still carries one-off warm-up (JIT,
      // heap growth) that a long run amortises.
      [`per-step cost at scale (${chainN.toLocaleString('en')} − ${short} steps, as 9a)`]:
        `${fmt(((summarize(rss.chainMs).median - summarize(perStep.shortNone!).median) * 1000) / (chainN - short))} µs wall, ${fmt(((summarize(rss.chainCpu).median - summarize(cpuOf('shortNone', runs)).median) * 1000) / (chainN - short))} µs CPU`,
    },
    status: `measured (${rss.chain.length} runs)`,
  });
  const million = q ? 100_000 : 1_000_000;
  ctx.log(`9g: peak RSS of a ${million}-step fan-out (executeMission in a child, no ledger)`);
  const fanout = (shape: string, n: number) => runNode([...SOURCE_FLAGS, '--import', TSX, FANOUT_CHILD, shape, String(n)], { cwd: dir, timeoutMs: 20 * 60_000 });
  const small = Math.round(million / 10);
  try {
    const base = await fanout('fanout', small);
    const big = await fanout('fanout', million);
    const perStepKiB = (big.maxRssBytes - base.maxRssBytes) / (million - small) / 1024;
    rows.push({
      id: '9g', workload: `peak RSS, ${million.toLocaleString('en')}-step noop fan-out (executeMission in a child, no ledger)`, unit: 'MB',
      ours: summarize([big.maxRssBytes / 1e6]), baseline: { label: `same, ${small.toLocaleString('en')} steps`, figure: summarize([base.maxRssBytes / 1e6]) },
      ratio: summarize([big.maxRssBytes / base.maxRssBytes]),
      target: { text: 'runs; ≤ ~2 KiB/step', met: perStepKiB <= 2.2, ...(perStepKiB > 2.2 ? { gap: `${fmt(perStepKiB)} KiB/step` } : {}) },
      extra: { 'per step (difference of the two sizes)': `${fmt(perStepKiB)} KiB`, wall: `${fmt(big.ms)} ms (${fmt(base.ms)} ms for ${small.toLocaleString('en')})` },
      status: 'measured (1 run)',
    });
  } catch (error) {
    rows.push({ id: '9g', workload: `peak RSS, ${million.toLocaleString('en')}-step noop fan-out`, unit: 'MB', ours: null, baseline: null, ratio: null, target: { text: 'runs; ≤ ~2 KiB/step', met: false, gap: (error as Error).message.slice(0, 200) }, status: 'failed' });
  }
  await rm(dir, { recursive: true, force: true });
  return rows;
}

/** End to end through the CLI: per-step cost, fan-out, validate, peak RSS. */
export const e2e: Workload = { id: 9, title: 'end to end (CLI)', run };
