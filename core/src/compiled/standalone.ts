import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openRunLedger, type CompiledRunArtifact, type RunLedger } from '../audit/run-ledger.ts';
import { KILL_GRACE_MS } from '../capabilities/exec.ts';
import { settleProcessGroups } from '../capabilities/process-groups.ts';
import { executeMission } from '../engine/execute.ts';
import { createCallJournal } from '../replay/journal.ts';
import type { MissionResult } from '../engine/types.ts';
import { formatDiagnostic, isRustchainError, sortDiagnostics, type Diagnostic } from '../errors.ts';
import { checkPolicy } from '../policy/check.ts';
import { describeGrant } from '../policy/grant.ts';
import { resolvePolicy, type PermissionFlags } from '../policy/resolve.ts';
import { envSecrets } from '../secrets/env.ts';
import { createSecretRedactor } from '../secrets/redactor.ts';
import type { CompiledMission } from './define.ts';

/**
 * What a bundled mission (`rustchain compile --bundle`, run as `node out.mjs`) does: it
 * needs no workspace and no config. Its plugins are the ones inlined at compile time (so
 * there is no drift to check), and it runs under the policy `rustchain` uses without a
 * config file — read and write the working directory, nothing else — extended by the same
 * Deno-style flags (`--allow-run[=...]`, `--allow-read[=...]`, `--allow-write[=...]`,
 * `--allow-net[=...]`, `--allow-env[=...]`, `-A`). `--json` prints the run document.
 * Exit codes follow the CLI contract: 0 ok, 1 failed, 2 usage/refused by policy, 130/143.
 * Like any run it is recorded in the audit ledger of the state dir it runs in
 * (`$RUSTCHAIN_HOME`, else `<cwd>/.rustchain`; no config is read), with the bundle's own
 * SHA-256 as the compiled artifact, through the same `openRunLedger` the CLI uses.
 */

/** Streams and inputs of one standalone run (defaults: the process's). */
export interface StandaloneIo {
  argv: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** The bundle's own file (its entry passes `import.meta.url`'s path): its digest is the run's compiled artifact. */
  bundleFile?: string | undefined;
}

/** The bundle's own bytes, as the ledger records them (absent when run from a module, not a bundle). */
function bundleArtifact(file: string | undefined): CompiledRunArtifact | undefined {
  if (file === undefined) return undefined;
  return { path: file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex'), bundle: true };
}

const GRANTS = { '--allow-run': 'allowRun', '--allow-read': 'allowRead', '--allow-write': 'allowWrite', '--allow-net': 'allowNet', '--allow-env': 'allowEnv' } as const;

/** What `node out.mjs --help` prints: the mission, and the arguments a bundle takes. */
function helpText(compiled: CompiledMission): string {
  const { mission, source } = compiled.manifest;
  const steps = compiled.schedule.order.length;
  return [
    `${mission.name} ${mission.version} — a compiled RustChain mission (${steps} step${steps === 1 ? '' : 's'}, from ${source.file})`,
    ...(mission.description === null ? [] : [mission.description]),
    '',
    'Usage: node <bundle>.mjs [--json] [-A] [--allow-run[=cmd,...]] [--allow-read[=path,...]] [--allow-write[=path,...]]',
    '                         [--allow-net[=host,...]] [--allow-env[=NAME,...]]',
    '',
    'Runs under the default policy of the working directory (read and write it, nothing else),',
    'extended by the --allow-* flags; values bind with `=` (--allow-run=git,npm). Recorded in the',
    'audit ledger of $RUSTCHAIN_HOME, else ./.rustchain.',
    '',
    '  --json          print the run document on stdout',
    '  -A, --allow-all allow everything',
    '  -h, --help      this text',
    '  --version       the mission and compiler versions',
    '',
    'Exit codes: 0 succeeded, 1 failed, 2 usage error or refused by the policy, 130/143 interrupted.',
    '',
  ].join('\n');
}

/** A duration as people read it: whole milliseconds below a second, else seconds to 0.1. */
function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

type ParsedArgs = { json: boolean; flags: PermissionFlags } | { info: 'help' | 'version' } | string;

function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags: { -readonly [K in keyof PermissionFlags]: PermissionFlags[K] } = {};
  let json = false;
  for (const arg of argv) {
    const [name = '', value] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (arg === '--help' || arg === '-h') return { info: 'help' };
    if (arg === '--version') return { info: 'version' };
    if (arg === '--json') json = true;
    else if (arg === '-A' || arg === '--allow-all') flags.allowAll = true;
    else if (name in GRANTS) {
      const key = GRANTS[name as keyof typeof GRANTS];
      flags[key] = value === undefined ? true : value.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (!arg.startsWith('-') && Object.keys(GRANTS).includes(argv[argv.indexOf(arg) - 1] ?? '')) {
      const flag = argv[argv.indexOf(arg) - 1]!;
      return `${flag} ${arg}: values of ${flag} bind with \`=\`: write \`${flag}=${arg}\` (see --help)`;
    } else return `unknown argument ${arg}; accepted: --json, -A, ${Object.keys(GRANTS).join(', ')} (each optionally =a,b), --help, --version`;
  }
  return { json, flags };
}

function printDiagnostics(list: readonly Diagnostic[], json: boolean, io: StandaloneIo): void {
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, diagnostics: sortDiagnostics(list) }, null, 2)}\n`);
  else for (const d of sortDiagnostics(list)) io.stderr.write(`${formatDiagnostic(d)}\n`);
}

function printResult(result: MissionResult, json: boolean, io: StandaloneIo): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  for (const step of result.steps) {
    io.stderr.write(`${step.status.padEnd(9)} ${step.id} (${formatMs(step.durationMs)})${step.error ? `: ${step.error.code} ${step.error.message}` : ''}\n`);
  }
  io.stderr.write(`run ${result.runId} ${result.status} in ${formatMs(result.durationMs)}\n`);
}

/** Runs a compiled mission with its own inlined plugins; returns the exit code. */
export async function runStandalone(compiled: CompiledMission, partial: Partial<StandaloneIo> = {}): Promise<number> {
  const io: StandaloneIo = {
    argv: partial.argv ?? process.argv.slice(2),
    cwd: partial.cwd ?? process.cwd(),
    env: partial.env ?? process.env,
    stdout: partial.stdout ?? process.stdout,
    stderr: partial.stderr ?? process.stderr,
    bundleFile: partial.bundleFile,
  };
  const args = parseArgs(io.argv);
  if (typeof args === 'string') {
    io.stderr.write(`${args}\n`);
    return 2;
  }
  if ('info' in args) {
    io.stdout.write(args.info === 'help' ? helpText(compiled) : `${compiled.manifest.mission.name} ${compiled.manifest.mission.version} (compiled by ${compiled.manifest.compiler})\n`);
    return 0;
  }
  const mission = compiled.toMission();
  const registry = compiled.lookup();
  const policy = resolvePolicy({ cwd: io.cwd, hasConfigFile: false, flags: args.flags });
  const refused = checkPolicy(mission, registry, policy, { workDir: io.cwd, env: io.env }).filter((d) => d.severity === 'error');
  if (refused.length > 0) {
    printDiagnostics(refused, args.json, io);
    return 2;
  }
  const controller = new AbortController();
  let signalled: 130 | 143 | null = null;
  const onSignal = (code: 130 | 143) => () => {
    signalled = code;
    controller.abort();
  };
  const onInt = onSignal(130);
  const onTerm = onSignal(143);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  const redactor = createSecretRedactor();
  for (const { value } of envSecrets(policy, io.env)) redactor.add([value]);
  const home = io.env['RUSTCHAIN_HOME'];
  const stateDir = resolve(io.cwd, home !== undefined && home !== '' ? home : '.rustchain');
  const runId = randomUUID();
  let ledger: RunLedger | null = null;
  let started = false;
  try {
    ledger = await openRunLedger({
      stateDir,
      runId,
      mission: mission.source,
      plan: [...mission.steps, ...(mission.finally ?? [])],
      plugins: Object.fromEntries(Object.values(compiled.manifest.plugins).map((p) => [p.package, p.version])),
      compiled: bundleArtifact(io.bundleFile),
      grant: describeGrant({ policy, configFile: null, flags: args.flags }),
      redactor,
      warn: (text) => io.stderr.write(text),
    });
    const sink = ledger;
    started = true;
    const result = await executeMission(mission, {
      registry, policy, workDir: io.cwd, env: io.env, signal: controller.signal, runId, secrets: redactor, stateDir,
      onEvent: (event) => sink.onEvent(event),
      barrier: () => sink.barrier(),
      // A bundle's network calls are in its ledger too (request digest before the call, response after).
      calls: createCallJournal({ mode: 'live', redactor, onEvent: (event) => sink.onEvent(event), barrier: () => sink.barrier() }),
    });
    const closing = ledger;
    ledger = null;
    await closing.close();
    printResult(redactor.value(result), args.json, io);
    if (signalled !== null) return signalled;
    return result.status === 'succeeded' ? 0 : 1;
  } catch (error) {
    if (!isRustchainError(error)) throw error;
    // A ledger that cannot be written stopped a started run (fail closed): a failed run, as in the CLI;
    // one that cannot be opened (or refuses, e.g. an unsigned tail) refused it before anything ran.
    const auditFailure = started && error.code.startsWith('E_AUDIT_');
    printDiagnostics([{ code: error.code, severity: 'error', message: redactor.text(error.message), file: mission.source.file, line: 1, column: 1 }], args.json, io);
    return auditFailure ? 1 : 2;
  } finally {
    await ledger?.close().catch(() => undefined);
    // As the CLI: no step process outlives the bundle (SIGTERM, grace, SIGKILL of each group).
    await settleProcessGroups(KILL_GRACE_MS);
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
  }
}
