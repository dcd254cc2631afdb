/**
 * Kill-and-resume, as a property: fast-check picks small missions (DAGs of create_file,
 * edit_file append, noop and sleeping command steps, later steps templating earlier outputs)
 * and the moments to SIGKILL the CLI. After each kill: no process of the run is left, every
 * side effect on disk has its step.started in the ledger, every step the run state calls
 * succeeded has its step.succeeded there, and the ledger verifies (after
 * `audit verify --repair` when the kill left something to repair). Then `--resume latest`
 * (itself killed again, a few times) completes the run: its outputs equal what an
 * uninterrupted run gives, a step recorded as succeeded never ran again, and a step with side
 * effects ran twice at most once per kill that caught it running.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { readRunState, repairLedger, verifyLedger } from '../../core/src/index.ts';
import { finished, json, runCli, startCli, tempProject, type CliRun } from './harness.ts';

type Kind = 'create' | 'append' | 'noop' | 'command';
interface StepSpec {
  id: string;
  kind: Kind;
  sleepMs: number;
  deps: string[];
  /** A create step's dependency whose output `path` it writes into its file. */
  from: string | null;
  /** The file that dependency writes (its `path` output), relative to the project. */
  fromFile: string | null;
}
/** A step's end as the run document (or the run state) gives it. */
type StepOut = { id: string; status: string; outputs: Record<string, unknown> };
interface Scenario {
  steps: StepSpec[];
  /** Delay after the (re)started run has taken over its state, before each SIGKILL. */
  kills: number[];
}

const FLAGS = ['--allow-run=sh', '--allow-write', '--allow-read'];
/** The suite must deliver at least this many SIGKILLs. */
const MIN_KILLS = 50;
let totalKills = 0;
let totalRepairs = 0;

const stepArb = fc.record({
  kind: fc.constantFrom<Kind>('create', 'append', 'noop', 'command', 'command'),
  sleepMs: fc.integer({ min: 150, max: 450 }),
  depMask: fc.integer({ min: 0, max: 63 }),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({ raw: fc.array(stepArb, { minLength: 3, maxLength: 6 }), kills: fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 4, maxLength: 5 }) })
  .map(({ raw, kills }) => {
    const steps: StepSpec[] = raw.map((r, i) => {
      const deps = raw.slice(0, i).map((_, j) => `s${j}`).filter((_, j) => (r.depMask >> j) & 1);
      return { id: `s${i}`, kind: r.kind, sleepMs: r.sleepMs, deps, from: null, fromFile: null };
    });
    // Enough sleeping work for every planned kill to land mid-run: two command steps at least.
    if (steps.filter((s) => s.kind === 'command').length < 2) {
      steps[1]!.kind = 'command';
      steps[steps.length - 1]!.kind = 'command';
    }
    for (const s of steps) {
      if (s.kind !== 'create') continue;
      const from = steps.find((x) => s.deps.includes(x.id) && (x.kind === 'create' || x.kind === 'append'));
      if (from === undefined) continue;
      s.from = from.id;
      s.fromFile = from.kind === 'append' ? 'journal.txt' : `${from.id}.out`;
    }
    return { steps, kills };
  });

function missionYaml(steps: StepSpec[]): string {
  const lines = ['version: "1.0"', 'name: kill-resume', 'steps:'];
  for (const s of steps) {
    lines.push(`  - id: ${s.id}`);
    if (s.deps.length > 0) lines.push(`    depends_on: [${s.deps.join(', ')}]`);
    if (s.kind === 'create') {
      const content = s.from === null ? s.id : `${s.id}:\${{ steps.${s.from}.outputs.path }}`;
      lines.push('    step_type: create_file', `    parameters: { path: ${s.id}.out, content: ${JSON.stringify(content)} }`);
    } else if (s.kind === 'append') {
      lines.push('    step_type: edit_file', `    parameters: { path: journal.txt, content: ${JSON.stringify(`${s.id}\n`)}, append: true }`);
    } else if (s.kind === 'noop') {
      lines.push('    step_type: noop');
    } else {
      const script = `echo ${s.id}; echo ${s.id} >> journal.txt; sleep ${(s.sleepMs / 1000).toFixed(2)}`;
      lines.push('    step_type: command', `    parameters: { command: sh, args: ["-c", ${JSON.stringify(script)}] }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** What an uninterrupted run gives for each step, in the project at `dir`. */
function expectedOutputs(s: StepSpec, dir: string): Record<string, unknown> {
  switch (s.kind) {
    case 'create':
      return { path: join(dir, `${s.id}.out`), bytes: Buffer.byteLength(expectedContent(s, dir)) };
    case 'append':
      return { path: join(dir, 'journal.txt'), bytes: Buffer.byteLength(`${s.id}\n`) };
    case 'noop':
      return {};
    case 'command':
      return { stdout: `${s.id}\n`, stderr: '', exit_code: 0 };
  }
}

function expectedContent(s: StepSpec, dir: string): string {
  return s.fromFile === null ? s.id : `${s.id}:${join(dir, s.fromFile)}`;
}

/** Pids of live processes whose working directory is inside `root` (the run's, and nobody else's). */
function processesIn(root: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === root || cwd.startsWith(`${root}/`)) found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      // gone, or a zombie
    }
  }
  return found;
}

async function noProcessLeft(root: string): Promise<void> {
  const deadline = Date.now() + 5000;
  let left = processesIn(root);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = processesIn(root);
  }
  assert.deepEqual(left, [], 'processes of the run survived the CLI');
}

function readState(home: string): { runId: string; status: string; process: { pid: number }; steps: Record<string, { status: string; outputs?: Record<string, unknown> }> } | null {
  const dir = join(home, 'runs');
  if (!existsSync(dir)) return null;
  // As resume reads it: the snapshot with its journal applied.
  for (const name of readdirSync(dir)) {
    const state = readRunState(home, name);
    if (state !== null) return state;
  }
  return null;
}

/** Every complete ledger event (all segments). */
function ledgerEvents(home: string): Array<{ runId: string | null; type: string; payload: Record<string, unknown> }> {
  const dir = join(home, 'audit');
  const events = [];
  for (const name of readdirSync(dir).filter((n) => /^ledger(\.\d+)?\.jsonl$/.test(n)).sort()) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      try {
        events.push(JSON.parse(line));
      } catch {
        // a torn last record
      }
    }
  }
  return events;
}

/** SIGKILLs the CLI `delayMs` after its run took over the state; false when it finished first. */
async function killMidRun(child: ReturnType<typeof startCli>, done: Promise<CliRun>, home: string, delayMs: number): Promise<boolean> {
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited) {
    const state = readState(home);
    if (state?.process.pid === child.pid) break;
    await new Promise((r) => setTimeout(r, 15));
  }
  if (exited) return false;
  await new Promise((r) => setTimeout(r, delayMs));
  if (exited) return false;
  process.kill(child.pid!, 'SIGKILL');
  await done;
  return true;
}

async function checkAfterKill(dir: string, home: string, root: string, repairWithCli: boolean): Promise<void> {
  await noProcessLeft(root);
  // Write-ahead: whatever a step left on disk, its start is in the ledger.
  const started = new Set(ledgerEvents(home).filter((e) => e.type === 'step.started').map((e) => String(e.payload['stepId'])));
  const journal = existsSync(join(dir, 'journal.txt')) ? readFileSync(join(dir, 'journal.txt'), 'utf8').split('\n').filter(Boolean) : [];
  const files = readdirSync(dir).filter((n) => n.endsWith('.out')).map((n) => n.slice(0, -'.out'.length));
  for (const id of [...journal, ...files]) assert.ok(started.has(id), `side effect of ${id} on disk without its step.started in the ledger`);
  // Ledger first: a step the run state calls succeeded (resume reuses it unrun) has its success audited.
  const state = readState(home);
  if (state !== null) {
    const audited = new Set(ledgerEvents(home).filter((e) => e.type === 'step.succeeded' && e.runId === state.runId).map((e) => String(e.payload['stepId'])));
    for (const [id, s] of Object.entries(state.steps)) if (s.status === 'succeeded') assert.ok(audited.has(id), `run state calls ${id} succeeded; the ledger has no step.succeeded for it`);
  }
  const report = await verifyLedger(home);
  if (report.ok) return;
  totalRepairs++;
  if (repairWithCli) {
    const repaired = await runCli(['audit', 'verify', '--repair'], { cwd: dir, home });
    assert.equal(repaired.code, 0, `audit verify --repair: ${repaired.stderr}`);
  } else {
    await repairLedger(home);
  }
  const again = await verifyLedger(home);
  assert.equal(again.ok, true, `after repair: ${again.code}: ${again.message}`);
}

async function runScenario(scenario: Scenario): Promise<void> {
  const project = await tempProject({ 'm.yaml': missionYaml(scenario.steps) });
  const { dir, home } = project;
  const root = join(dir, '..');
  try {
    const caught = new Map<string, number>();
    let kills = 0;
    let final: CliRun | null = null;
    // Step results of the finished run: its --json document, or (killed after it succeeded,
    // before it printed) its state.
    let results: StepOut[] | null = null;
    while (results === null) {
      const resume = readState(home) === null ? [] : ['--resume', 'latest', '--rerun-interrupted'];
      const child = startCli(['mission', 'execute', '--json', ...FLAGS, ...resume, 'm.yaml'], { cwd: dir, home });
      const done = finished(child);
      if (kills < scenario.kills.length && (await killMidRun(child, done, home, scenario.kills[kills]!))) {
        kills++;
        totalKills++;
        const state = readState(home);
        for (const [id, s] of Object.entries(state?.steps ?? {})) if (s.status === 'running') caught.set(id, (caught.get(id) ?? 0) + 1);
        await checkAfterKill(dir, home, root, kills === 1);
        if (state?.status === 'succeeded') results = Object.entries(state.steps).map(([id, step]) => ({ id, status: step.status, outputs: step.outputs ?? {} }));
        continue;
      }
      final = await done;
      assert.equal(final.code, 0, `exit ${final.code}: ${final.stdout}${final.stderr}`);
      const document = json<{ status: string; steps: StepOut[] }>(final);
      assert.equal(document.status, 'succeeded');
      results = document.steps;
    }
    const ended: StepOut[] = results;
    for (const s of scenario.steps) {
      const step = ended.find((x) => x.id === s.id);
      assert.equal(step?.status, 'succeeded', s.id);
      assert.deepEqual(step.outputs, expectedOutputs(s, dir), `outputs of ${s.id}`);
      if (s.kind === 'create') assert.equal(readFileSync(join(dir, `${s.id}.out`), 'utf8'), expectedContent(s, dir));
    }
    // Each side effect happened once, plus at most once per kill that caught its step running.
    const journal = existsSync(join(dir, 'journal.txt')) ? readFileSync(join(dir, 'journal.txt'), 'utf8').split('\n').filter(Boolean) : [];
    for (const s of scenario.steps.filter((x) => x.kind === 'append' || x.kind === 'command')) {
      const count = journal.filter((line) => line === s.id).length;
      assert.ok(count >= 1 && count <= 1 + (caught.get(s.id) ?? 0), `${s.id} ran ${count} times (caught running by ${caught.get(s.id) ?? 0} kills)`);
    }
    await noProcessLeft(root);
    const report = await verifyLedger(home);
    assert.equal(report.ok, true, `${report.code}: ${report.message}`);
  } finally {
    await project.cleanup();
  }
}

describe('kill and resume (property)', () => {
  after(() => {
    process.stderr.write(`# resume property: ${totalKills} SIGKILLs, ${totalRepairs} ledger repairs\n`);
  });

  it('any mission, killed at any moments, resumes to the outputs of an uninterrupted run', { timeout: 900_000 }, async () => {
    // Three scenarios at a time: much of each one's wall time is its steps sleeping.
    await fc.assert(
      fc.asyncProperty(scenarioArb, scenarioArb, scenarioArb, async (a, b, c) => {
        await Promise.all([a, b, c].map((scenario) =>
          runScenario(scenario).catch((error: unknown) => {
            // fast-check reports the counterexample, not what failed: say it here.
            process.stderr.write(`# scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
            throw error;
          }),
        ));
      }),
      { numRuns: 4, endOnFailure: true },
    );
    while (totalKills < MIN_KILLS) await runScenario(fc.sample(scenarioArb, 1)[0]!);
    assert.ok(totalKills >= MIN_KILLS);
  });
});
