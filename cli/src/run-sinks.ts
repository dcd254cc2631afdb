import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { CompiledRunArtifact, LedgerInput, Mission, PolicyGrant, Project, RunEvent, SecretRedactor } from '@rustchain/core';
import { lazyLogger, levelEnabled, type CliLogger } from './logger.ts';
import { telemetryEndpoint } from './tracing/endpoint.ts';

/** Levels verbose enough to swamp a progress display: those go to the run's log file. */
const FILE_LEVELS = new Set(['info', 'debug', 'trace']);

/** Where one run's events go besides the progress display: the audit ledger and the log. */
export interface RunSinks {
  /** The run id (chosen here so the log and ledger can be named before the run starts). */
  runId: string;
  logger: CliLogger;
  /** Synchronous; throws the ledger's write error so the executor fails closed. */
  onEvent(event: RunEvent): void;
  /** Resolves once every event so far is committed (fsynced unless durability is none); the executor's write-ahead barrier. */
  barrier(): Promise<void>;
  /** Flushes the ledger and signs its head; rejects with E_AUDIT_WRITE_FAILED if a write failed. */
  close(): Promise<void>;
  /** Records a ledger event other than a run event (run.interrupted, run.resumed). */
  record(input: LedgerInput): void;
}

/**
 * Opens the audit ledger in the project's state dir (core's `openRunLedger`, which a bundle
 * run uses too) and the run's logger. Every run is appended to `<stateDir>/audit/ledger.jsonl`:
 * first the plugin versions, the mission digest and the compiled module's digest and signature
 * check, then every run event. Verbose logs (`--log-level info|debug|trace`) go to
 * `<stateDir>/runs/<runId>/run.log`; quieter levels to stderr. Both see events only through
 * the run's redactor.
 */
export async function openRunSinks(options: {
  project: Project;
  mission: Mission;
  logLevel: string;
  redactor: SecretRedactor;
  durability?: 'fsync' | 'none';
  /** Resume: the run id to keep (default: a new UUID). */
  runId?: string | undefined;
  /** What the run was granted: recorded as `policy.granted` before any step. */
  grant?: PolicyGrant;
  /** The compiled module the run executes (digest of the bytes imported, signature check). */
  compiled?: CompiledRunArtifact | undefined;
}): Promise<RunSinks> {
  const core = await import('@rustchain/core');
  const { project, mission, redactor } = options;
  const runId = options.runId ?? randomUUID();
  const logFile = FILE_LEVELS.has(options.logLevel) ? join(project.stateDir, 'runs', runId, 'run.log') : undefined;
  const logger = lazyLogger(options.logLevel, logFile);
  const sink = await core.openRunLedger({
    stateDir: project.stateDir,
    runId,
    mission: mission.source,
    plan: [...mission.steps, ...(mission.finally ?? [])],
    plugins: Object.fromEntries(project.registry.packages().map((p) => [p.packageName, p.version])),
    compiled: options.compiled,
    grant: options.grant,
    redactor,
    durability: options.durability,
    onError: (error) => logger.error({ code: error.code }, error.message),
  });
  // OpenTelemetry only when an endpoint is configured: otherwise not even imported.
  const endpoint = telemetryEndpoint(project.config, process.env);
  const spans = endpoint === null ? null : await (await import('./tracing/start.ts')).startRunTracing({
    endpoint, mission, runId, redact: (text) => redactor.text(text), warn: (text) => process.stderr.write(text),
  });
  // The level is fixed for the run: asked once, not per event.
  const logEvents = levelEnabled(options.logLevel, 'info');
  return {
    runId,
    logger,
    onEvent(event) {
      if (logEvents) logger.info({ event: redactor.value(event) }, event.type);
      sink.onEvent(event);
      spans?.onEvent(event);
    },
    barrier: () => sink.barrier(),
    close: async () => {
      try {
        await sink.close();
      } finally {
        await spans?.close();
      }
    },
    record: (input) => sink.record(input),
  };
}
