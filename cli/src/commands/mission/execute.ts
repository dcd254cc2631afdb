import { resolve } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import type { Mission, MissionResult, Policy, Project, RunEvent } from '@rustchain/core';
import { EXIT } from '../../exit-codes.ts';
import { PermissionedCommand } from '../../options/permissions.ts';
import { prepareMission, toPermissionFlags } from '../../prepare.ts';
import { stylesFor } from '../../report/colour.ts';
import { printDiagnostics } from '../../report/diagnostics.ts';
import { createLineReporter } from '../../report/progress-lines.ts';
import { SILENT_REPORTER, type ProgressReporter } from '../../report/progress.ts';
import { writeRunDocument } from '../../report/run-json.ts';
import { printRunSummary } from '../../report/run-result.ts';
import type { RunArtifact } from '../../run-state.ts';
import { cancelOnSignals } from '../../signals.ts';

/** Exit code for a finished run that no signal interrupted. */
const STATUS_EXIT = { succeeded: EXIT.ok, failed: EXIT.failed, cancelled: EXIT.failed } as const satisfies Record<MissionResult['status'], number>;

/** An audit ledger or run state write error (E_AUDIT_*, E_RUN_STATE_WRITE_FAILED), recognised by its code. */
function isAuditFailure(error: unknown): error is { code: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('E_AUDIT_') || code === 'E_RUN_STATE_WRITE_FAILED');
}

/** The run result a fail-closed executor attached to its error, if any. */
function partialResult(error: unknown): MissionResult | null {
  const result = (error as { result?: unknown } | null)?.result;
  return typeof result === 'object' && result !== null && Array.isArray((result as MissionResult).steps) ? (result as MissionResult) : null;
}

/** The error with its message redacted (in place: its code and class are what callers classify by). */
function redactError(error: unknown, redactor: { text(s: string): string }): unknown {
  if (error instanceof Error) error.message = redactor.text(error.message);
  return error;
}

/** `rustchain mission execute <file>`: validate, check policy, run the DAG, report. */
export class MissionExecuteCommand extends PermissionedCommand {
  static override paths = [['mission', 'execute']];

  static override usage = Command.Usage({
    category: 'Missions',
    description: 'Run a mission: validate it, check it against the policy, execute its steps in parallel',
    details: `
      Loads the mission, validates it against the configured plugins, forms the policy from
      rustchain.config.* plus the \`--allow-*\` flags, and refuses the run (exit 2) before anything
      executes if a step needs something the policy does not allow. Steps start as soon as their
      dependencies finish (bounded by \`--max-parallel\` / \`config.max_parallel_steps\`).

      Write-ahead audit: each step's start is committed to the ledger (fsynced, group-committed
      with concurrent steps) before the step runs (a step whose type declares no side effect,
      like noop, goes with the next commit instead); \`--durability=none\` skips the fsyncs. If the
      ledger cannot be written (disk full, read-only state dir) nothing further runs and the run
      exits 1, its run document still printed with \`--json\`.

      Exit codes: 0 succeeded, 1 the mission failed, 2 invalid input or refused by policy (nothing ran),
      3 internal error, 130/143 cancelled by SIGINT/SIGTERM (the partial result is still printed).
    `,
    examples: [
      ['Run the quickstart', '$0 mission execute examples/quickstart.yaml'],
      ['Allow `git` and `npm` for this run', '$0 mission execute build.yaml --allow-run=git,npm'],
      ['Machine-readable result, at most 2 steps at once', '$0 mission execute build.yaml --json --max-parallel 2'],
    ],
  });

  /** Cap on steps running at once (overrides config.max_parallel_steps). */
  maxParallel = Option.String('--max-parallel', { description: 'Run at most N steps at once (overrides config.max_parallel_steps)' });

  /** `fsync` (default) or `none`: ledger commits without fsync (still written before each side effect). */
  durability = Option.String('--durability', { description: 'Ledger durability: fsync (default: every commit is on disk before the step it records runs) or none (no fsync; still written first)' });

  /** Resume an interrupted, failed or cancelled run of this mission: its id, or `latest`. */
  resume = Option.String('--resume', {
    description: 'Resume run <runId|latest> of this mission: succeeded steps are not run again and their recorded outputs feed later steps',
  });

  /** Let a resume re-run steps with side effects that were running when the run died. */
  rerunInterrupted = Option.Boolean('--rerun-interrupted', false, {
    description: 'With --resume: run again the steps with side effects that were running when the run died (refused otherwise)',
  });

  /** Record every network call of the run (ctx.fetch) to this directory. */
  record = Option.String('--record', {
    description: 'Record each network call (ctx.fetch) to <dir>, one JSON file per call keyed by the SHA-256 of the canonical request, secrets excluded',
  });

  /** Serve every network call from recordings made with --record; no network. */
  replay = Option.String('--replay', {
    description: 'Serve each network call from the recordings in <dir> with no network (a call never recorded fails the step with E_REPLAY_MISSING)',
  });

  /** `in-process` (default) or `redis`: steps run as BullMQ jobs on `rustchain worker` processes. */
  backend = Option.String('--backend', { description: 'Where steps run: in-process (default) or redis (BullMQ jobs taken by `rustchain worker`; this process keeps the schedule and the ledger)' });

  /** Redis URL of the redis backend. */
  redis = Option.String('--redis', { description: 'With --backend redis: the Redis URL (redis:// or rediss://; password from config settings.redis_backend.password_env)' });

  /** BullMQ queue name of the redis backend. */
  queue = Option.String('--queue', { description: 'With --backend redis: the queue name (default rustchain-steps); workers must take the same' });

  /** The mission file (.yaml, .yml or .json). */
  file = Option.String({ name: 'file' });

  /** Parses --max-parallel: a positive integer. */
  protected maxParallelSteps(): number | undefined {
    if (this.maxParallel === undefined) return undefined;
    const n = Number(this.maxParallel);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-parallel must be a positive integer, got \`${this.maxParallel}\``);
    return n;
  }

  /**
   * Picks the progress display: none with --json, a live list on a terminal, else lines. The
   * live view (and log-update) is imported only then: every command loads this file.
   */
  protected async reporter(mission: Mission): Promise<ProgressReporter> {
    if (this.json) return SILENT_REPORTER;
    const stderr = this.context.stderr as NodeJS.WriteStream;
    if (stderr.isTTY !== true || process.env['CI'] !== undefined) return createLineReporter(stderr);
    const { createLiveReporter } = await import('../../report/progress-live.ts');
    const stepIds = [...mission.steps, ...(mission.finally ?? [])].map((step) => step.id);
    return createLiveReporter(stderr, stepIds, stylesFor(stderr));
  }

  /** Parses --durability. */
  protected durabilityMode(): 'fsync' | 'none' {
    if (this.durability === undefined || this.durability === 'fsync') return 'fsync';
    if (this.durability === 'none') return 'none';
    throw new UsageError(`--durability must be fsync or none, got \`${this.durability}\``);
  }

  override async run(): Promise<number> {
    this.maxParallelSteps(); // a usage error must come before any loading
    this.durabilityMode();
    const project = await this.project();
    const { mission, policy, warnings } = await prepareMission({ file: this.file, project, flags: this.permissionFlags(), cwd: this.cwd(), strict: this.strict });
    if (warnings.length > 0) await printDiagnostics(warnings, { json: false, ok: true, stdout: this.context.stdout, stderr: this.context.stderr });
    return this.executePrepared(project, mission, policy);
  }

  /**
   * The run half, shared with `rustchain run`: executes a mission that already passed
   * validation and the policy check, with signals, progress, ledger and log wired, then
   * prints the result and returns the exit code.
   */
  protected async executePrepared(project: Project, mission: Mission, policy: Policy, compiled?: RunArtifact): Promise<number> {
    const maxParallelSteps = this.maxParallelSteps();
    const { callFlags, runCallJournal } = await import('../../run-calls.ts');
    const callMode = callFlags(this.record, this.replay, this.cwd());
    const { executeMission, createRunStateRecorder, settleProcessGroups, KILL_GRACE_MS } = await import('@rustchain/core');
    const runState = await import('../../run-state.ts');
    const artifact: RunArtifact = compiled ?? { kind: 'mission', file: resolve(this.cwd(), mission.source.file), sha256: mission.source.sha256 };
    // A refused resume (unknown run, changed mission, interrupted side effect) is exit 2 before anything runs.
    const plan = this.resume === undefined ? null : await runState.resumePlan(project, mission, artifact, this.resume, this.rerunInterrupted);
    const { openRunSinks } = await import('../../run-sinks.ts');
    const { runRedactor } = await import('../../run-secrets.ts');
    // One redactor for the run: ledger, log, progress, result and error messages all pass through it.
    const redactor = await runRedactor(policy, process.env, this.context.stderr);
    // Redis unreachable is a coded error before the ledger records anything (nothing ran).
    const { backendFromFlags } = await import('../../backend/select.ts');
    const backend = await backendFromFlags(
      { backend: this.backend, redis: this.redis, queue: this.queue, calls: callMode.mode },
      { project, mission, policy, workDir: this.cwd(), env: process.env, secrets: redactor, warn: (line) => this.context.stderr.write(`${line}\n`) },
    );
    const flags = this.permissionFlags();
    const grant = (await import('@rustchain/core')).describeGrant({
      policy,
      configFile: project.configFile,
      policyFile: flags.policyFile,
      flags: toPermissionFlags(flags),
    });
    const sinks = await openRunSinks({
      project, logLevel: this.logLevel, mission, redactor, durability: this.durabilityMode(), grant, runId: plan?.state.runId,
      compiled: compiled === undefined ? undefined : { path: compiled.file, sha256: compiled.sha256, ...(compiled.signature === undefined ? {} : { signature: compiled.signature }) },
    });
    await runState.recordInterrupted(project, (input) => sinks.record(input));
    if (plan !== null) sinks.record(runState.resumedInput(plan));
    const recorder = createRunStateRecorder({
      stateDir: project.stateDir,
      runId: sinks.runId,
      mission,
      artifact,
      effectOf: (type) => project.registry.get(type)?.definition.effect ?? null,
      previous: plan?.state,
      // A success reaches state.json only once the ledger holds it (resume reuses it unrun).
      ledgerBarrier: () => sinks.barrier(),
      durability: this.durabilityMode(),
    });
    const reporter = await this.reporter(mission);
    const calls = await runCallJournal({ calls: callMode, redactor, sinks });
    const signals = cancelOnSignals(this.context.stderr);
    let result: MissionResult | null = null;
    let failure: unknown = null;
    try {
      result = await executeMission(mission, {
        registry: project.registry,
        policy,
        workDir: this.cwd(),
        runId: sinks.runId,
        signal: signals.signal,
        ...(maxParallelSteps === undefined ? {} : { maxParallelSteps }),
        secrets: redactor,
        calls,
        settings: project.config.settings,
        stateDir: project.stateDir,
        ...(plan === null ? {} : { completed: plan.completed }),
        ...(backend === null ? {} : { dispatcher: backend }),
        onEvent: (event: RunEvent) => {
          // The run state (state.json) holds outputs and errors: never a secret, as the ledger.
          const redacted = redactor.value(event);
          // step.progress (a live status line) is for the progress view only: not audited, not run state.
          // The ledger hears of it first: a refused append (fail closed) reaches no run state.
          if (event.type !== 'step.progress') {
            sinks.onEvent(event);
            recorder.onEvent(redacted);
          }
          reporter.onEvent(redacted);
        },
        // Write-ahead: the ledger and the run state both hold a step's start before it runs.
        barrier: () => Promise.all([sinks.barrier(), recorder.barrier()]).then(() => undefined),
      });
    } catch (error) {
      failure = error;
      // A run that failed closed on the ledger still reports what ran (the engine attaches it).
      result = partialResult(error);
    } finally {
      // No step's process outlives the CLI: wait out SIGTERM → grace → SIGKILL of every group.
      await settleProcessGroups(KILL_GRACE_MS);
      await backend?.close();
      signals.dispose();
      reporter.finish();
    }
    try {
      await recorder.finish(result?.status ?? 'failed');
    } catch (error) {
      failure ??= error;
    }
    try {
      await sinks.close();
    } catch (error) {
      failure ??= error;
    }
    if (result !== null) {
      // --json: written step by step (no copy of the result, no one string of the document).
      if (this.json) await writeRunDocument(result, (value) => redactor.value(value), this.context.stdout);
      else printRunSummary(redactor.value(result), this.context.stdout);
    }
    if (failure !== null) {
      // The ledger could not be written: the run stopped (fail closed) and is a failed run, not bad input.
      if (!isAuditFailure(failure)) throw redactError(failure, redactor);
      this.context.stderr.write(`rustchain: ${failure.code}: ${redactor.text(failure.message)}\n`);
      return signals.exitCode() ?? EXIT.failed;
    }
    if (result === null) throw new Error('executeMission returned no result');
    return signals.exitCode() ?? STATUS_EXIT[result.status];
  }
}
