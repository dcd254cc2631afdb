import { hostname } from 'node:os';
import { createInProcessDispatcher, isRustchainError, RustchainError, toStepError, type DefinedPlugin, type Policy, type StepTypeLookup } from '@rustchain/core';
import { WaitingError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { outputTooLarge } from './dispatcher.ts';
import { PROTOCOL_VERSION, type StepJob, type StepJobResult } from './protocol.ts';

/** Effects a second run cannot make worse: these steps run again after a re-delivery. */
const REPEATABLE = new Set(['pure', 'read', 'idempotent']);

/** Tuning of BullMQ's stall detection (a dead worker's job is re-delivered once its lock expires). */
interface StallOptions {
  /** A job's lock; a worker that stops renewing it (died) loses the job after this long. Default 30 s. */
  lockDurationMs?: number;
  /** How often each worker looks for stalled jobs. Default 30 s. */
  stalledIntervalMs?: number;
}

/** What a worker needs of its plugin registry (core's PluginRegistry has it): each plugin's identity to compare. */
export interface WorkerRegistry extends StepTypeLookup {
  get(type: string): { readonly definition: DefinedPlugin; readonly packageName: string; readonly version: string; readonly integrity: string | null } | undefined;
}

/** A running worker. */
interface RedisWorker {
  /** Steps run to a result so far. */
  readonly handled: number;
  /**
   * Graceful stop: takes no new job, lets running steps finish for `graceMs`, then cancels
   * them: a repeatable step (pure/read/idempotent) is handed back to the queue for another
   * worker, any other is reported failed (E_STEP_CANCELLED) rather than run twice.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * Takes step jobs from `queue` and runs each under this worker's own project: its registry,
 * its policy (which must be the coordinator's: same SHA-256, else E_BACKEND_POLICY_MISMATCH),
 * and the same guards, parameter checks and sandbox as an in-process run (the in-process
 * dispatcher does the running). A job whose plugin version or file integrity differs from
 * the coordinator's is refused (E_BACKEND_PLUGIN_MISMATCH). A job re-delivered after its
 * worker died runs again only when its step is repeatable or the mission opted in
 * (E_STEP_REDELIVERED otherwise). The worker never opens the ledger: results go back to the
 * coordinator, which alone writes it.
 */
export async function startRedisWorker(options: {
  connection: RedisOptions;
  queue: string;
  concurrency: number;
  registry: WorkerRegistry;
  policy: Policy;
  policySha256: string;
  workDir: string;
  settings?: Readonly<Record<string, unknown>> | undefined;
  stateDir: string;
  stall?: StallOptions;
  /** One line per refused or re-delivered job (stderr). */
  log(line: string): void;
}): Promise<RedisWorker> {
  const { registry, policySha256 } = options;
  const name = `${hostname()}:${process.pid}`;
  const local = createInProcessDispatcher({
    registry,
    policy: options.policy,
    workDir: options.workDir,
    stateDir: options.stateDir,
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  /** Running steps' cancellation, by job id (a graceful stop past its grace aborts them). */
  const running = new Map<string, AbortController>();
  /** Runs this worker ran steps of: their ctx.exec.start processes are stopped when the worker stops. */
  const runs = new Set<string>();
  let handled = 0;
  /** Step types imported and hashed. */
  const checked = new Set<string>();
  // A registry may import plugins only when asked (load); older ones have them all loaded.
  const lazy = registry as unknown as { load?: (types: Iterable<string>) => Promise<void> };
  let stopping = false;

  const fail = (error: unknown): StepJobResult => {
    const stepError = toStepError(error);
    return {
      v: PROTOCOL_VERSION, ok: false, worker: name,
      error: { code: stepError.code, message: stepError.message, ...(stepError.details === undefined ? {} : { details: stepError.details }), nonRetryable: isRustchainError(error) && error.nonRetryable },
    };
  };

  /** Imports a step type's plugin on its first job (registries that import lazily) and hashes its files then. */
  async function loadType(type: unknown): Promise<void> {
    if (typeof type !== 'string' || !registry.has(type) || checked.has(type)) return;
    await lazy.load?.([type]);
    void registry.get(type)?.integrity;
    checked.add(type);
  }

  /** Refusals before anything runs: format, policy, plugin identity, re-delivery. */
  function refusal(job: Job<StepJob>): RustchainError | null {
    const data = job.data;
    if (data?.v !== PROTOCOL_VERSION || typeof data.request !== 'object') {
      return new RustchainError('E_BACKEND_PROTOCOL', `job ${String(job.id)} is not a rustchain step job of version ${PROTOCOL_VERSION}`, { nonRetryable: true });
    }
    const { request } = data;
    if (data.policySha256 !== policySha256) {
      return new RustchainError('E_BACKEND_POLICY_MISMATCH', `worker ${name} runs under policy ${policySha256}, the coordinator under ${data.policySha256}: step "${request.stepId}" refused`, {
        details: { worker: name, workerPolicy: policySha256, coordinatorPolicy: data.policySha256 }, nonRetryable: true,
      });
    }
    const entry = registry.get(request.type);
    if (entry === undefined) {
      return new RustchainError('E_BACKEND_PLUGIN_MISMATCH', `worker ${name} has no plugin for step type "${request.type}" (coordinator: ${data.plugin.packageName}@${data.plugin.version})`, {
        details: { worker: name, type: request.type, announced: data.plugin, installed: null }, nonRetryable: true,
      });
    }
    if (entry.version !== data.plugin.version || entry.packageName !== data.plugin.packageName || entry.integrity !== data.plugin.integrity) {
      return new RustchainError('E_BACKEND_PLUGIN_MISMATCH', `worker ${name} has ${entry.packageName}@${entry.version} (${entry.integrity ?? 'no integrity'}) for step type "${request.type}", the coordinator announced ${data.plugin.packageName}@${data.plugin.version} (${data.plugin.integrity ?? 'no integrity'})`, {
        details: { worker: name, type: request.type, announced: data.plugin, installed: { packageName: entry.packageName, version: entry.version, integrity: entry.integrity } }, nonRetryable: true,
      });
    }
    // Re-delivered: BullMQ moved it back after its worker stopped renewing the lock (died mid-step).
    const redelivered = job.stalledCounter > 0 || job.attemptsStarted > 1;
    if (redelivered && !REPEATABLE.has(entry.definition.effect) && !data.rerunRedelivered) {
      return new RustchainError('E_STEP_REDELIVERED', `step "${request.stepId}" (${request.type}, effect ${entry.definition.effect}) was being run by a worker that died; it is not run a second time (mission config.rerun_redelivered: true allows it)`, {
        details: { stepId: request.stepId, type: request.type, effect: entry.definition.effect, stalled: job.stalledCounter }, nonRetryable: true,
      });
    }
    return null;
  }

  async function processJob(job: Job<StepJob>, token?: string): Promise<StepJobResult> {
    try {
      await loadType(job.data?.request?.type);
    } catch (error) {
      handled++;
      return fail(error);
    }
    const refused = refusal(job);
    if (refused !== null) {
      options.log(`rustchain worker: ${refused.code}: ${refused.message}`);
      handled++;
      return fail(refused);
    }
    const { request, maxOutputBytes } = job.data;
    const jobId = String(job.id);
    const controller = new AbortController();
    running.set(jobId, controller);
    runs.add(request.runId);
    try {
      const outputs = await local.dispatch(request, controller.signal);
      const size = Buffer.byteLength(JSON.stringify(outputs));
      handled++;
      if (size > maxOutputBytes) return fail(outputTooLarge(size, maxOutputBytes));
      return { v: PROTOCOL_VERSION, ok: true, outputs, worker: name };
    } catch (error) {
      // Stopped past the grace period: a repeatable step goes back to the queue for another worker.
      if (controller.signal.aborted && stopping) {
        const effect = registry.get(request.type)?.definition.effect ?? 'side-effect';
        if (REPEATABLE.has(effect) && token !== undefined) {
          await job.moveToWait(token);
          throw new WaitingError();
        }
      }
      handled++;
      return fail(error);
    } finally {
      running.delete(jobId);
    }
  }

  const worker = new Worker<StepJob, StepJobResult>(options.queue, processJob, {
    connection: options.connection as ConnectionOptions,
    concurrency: options.concurrency,
    // The engine retries (as a new attempt, a new job); BullMQ only re-delivers stalled jobs, once.
    maxStalledCount: 1,
    ...(options.stall?.lockDurationMs === undefined ? {} : { lockDuration: options.stall.lockDurationMs }),
    ...(options.stall?.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stall.stalledIntervalMs }),
  });
  worker.on('error', (error) => options.log(`rustchain worker: ${(error as Error).message}`));
  await worker.waitUntilReady();

  async function close(graceMs: number): Promise<void> {
    stopping = true;
    const closing = worker.close();
    const timer = setTimeout(() => {
      for (const controller of running.values()) {
        controller.abort(new RustchainError('E_STEP_CANCELLED', `worker ${name} stopped (SIGTERM) before the step finished within its ${graceMs} ms grace period`, { details: { worker: name } }));
      }
    }, graceMs);
    try {
      await closing;
    } finally {
      clearTimeout(timer);
    }
    await Promise.all([...runs].map((runId) => local.finishRun?.(runId)));
  }

  return {
    get handled() {
      return handled;
    },
    close,
  };
}
