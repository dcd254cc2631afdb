import { RustchainError, type ErrorCode, type StepDispatcher, type StepRequest } from '@rustchain/core';
import { Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { jobIdOf, PROTOCOL_VERSION, type AnnouncedPlugin, type StepJob, type StepJobResult } from './protocol.ts';

/** How long finished jobs stay in Redis: a coordinator restarted within it collects their results (resume). */
const KEEP_SECONDS = 24 * 3600;

/** A settled job's outcome: outputs or a coded error. */
type Settle = { resolve(outputs: Record<string, unknown>): void; reject(error: unknown): void };

/** The coordinator's side of the Redis backend: a StepDispatcher that enqueues each attempt as a BullMQ job. */
export interface RedisDispatcher extends StepDispatcher {
  /** Stops listening and closes the connections (pending dispatches reject). */
  close(): Promise<void>;
  /** Workers connected to the queue now (BullMQ's CLIENT LIST view). */
  workers(): Promise<number>;
}

/**
 * Enqueues each attempt as a job whose id is its idempotency key (run id, step id, attempt) and
 * settles it from the queue's `completed`/`failed` events. Adding an id that exists adds
 * nothing: a coordinator restarted with `--resume` that dispatches an attempt again finds the
 * job (and its result, if a worker finished it meanwhile) instead of running it twice.
 * The coordinator never runs plugins; `prepare` lets the run's redactor learn secret
 * parameters locally (the same in-process check the default dispatcher makes).
 */
export async function createRedisDispatcher(options: {
  connection: RedisOptions;
  queue: string;
  policySha256: string;
  /** The plugin announced for each step type (version and file integrity). */
  pluginFor(type: string): AnnouncedPlugin | null;
  rerunRedelivered: boolean;
  maxOutputBytes: number;
  /** Learns secret parameter values before the step's start is recorded (in-process dispatcher's prepare). */
  prepare?: ((request: StepRequest) => void) | undefined;
}): Promise<RedisDispatcher> {
  const queue = new Queue<StepJob, StepJobResult, string>(options.queue, { connection: options.connection as ConnectionOptions });
  const events = new QueueEvents(options.queue, { connection: options.connection as ConnectionOptions });
  const pending = new Map<string, Settle>();
  let closed = false;

  events.on('completed', ({ jobId, returnvalue }) => {
    settle(jobId, returnvalue as unknown);
  });
  events.on('failed', ({ jobId, failedReason }) => {
    const waiter = pending.get(jobId);
    if (waiter === undefined) return;
    pending.delete(jobId);
    waiter.reject(lostError(jobId, failedReason));
  });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);

  function settle(jobId: string, value: unknown): void {
    const waiter = pending.get(jobId);
    if (waiter === undefined) return;
    pending.delete(jobId);
    try {
      waiter.resolve(outputsOf(value, options.maxOutputBytes));
    } catch (error) {
      waiter.reject(error);
    }
  }

  async function dispatch(request: StepRequest, signal: AbortSignal): Promise<Record<string, unknown>> {
    if (signal.aborted) throw signal.reason;
    const plugin = options.pluginFor(request.type);
    if (plugin === null) {
      throw new RustchainError('E_STEP_TYPE_UNKNOWN', `no plugin provides step type "${request.type}"`, { details: { stepId: request.stepId, type: request.type }, nonRetryable: true });
    }
    const jobId = jobIdOf(request);
    const data: StepJob = { v: PROTOCOL_VERSION, request, policySha256: options.policySha256, plugin, rerunRedelivered: options.rerunRedelivered, maxOutputBytes: options.maxOutputBytes };
    const result = new Promise<Record<string, unknown>>((resolve, reject) => {
      pending.set(jobId, { resolve, reject });
      signal.addEventListener('abort', () => {
        if (!pending.delete(jobId)) return;
        // Not yet taken by a worker: take it back (an active job cannot be; its result is ignored).
        void queue.remove(jobId).catch(() => undefined);
        reject(signal.reason);
      }, { once: true });
    });
    // A worker may finish before `add` returns: the rejection must not count as unhandled meanwhile.
    result.catch(() => undefined);
    let job: Awaited<ReturnType<typeof queue.add>>;
    try {
      // attempts: 1 — the engine retries (a new attempt is a new job id); BullMQ re-delivers only stalled jobs.
      job = await queue.add(request.type, data, { jobId, attempts: 1, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } });
    } catch (error) {
      pending.delete(jobId);
      throw new RustchainError('E_BACKEND_UNAVAILABLE', `cannot enqueue step "${request.stepId}": ${(error as Error).message}`, { details: { stepId: request.stepId }, cause: error });
    }
    // The id existed already (a resumed coordinator): it may have finished while nobody listened.
    if (pending.has(jobId)) {
      const state = await job.getState().catch(() => 'unknown');
      if (state === 'completed' || state === 'failed') {
        // `job` is what add() returned, not what the worker stored: read the finished job back.
        const stored = await queue.getJob(jobId).catch(() => undefined);
        if (state === 'completed') settle(jobId, stored?.returnvalue);
        else {
          const waiter = pending.get(jobId);
          pending.delete(jobId);
          waiter?.reject(lostError(jobId, stored?.failedReason));
        }
      }
    }
    return result;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    for (const [jobId, waiter] of pending) waiter.reject(lostError(jobId, 'the coordinator stopped listening'));
    pending.clear();
    await Promise.allSettled([events.close(), queue.close()]);
  }

  return { dispatch, close, workers: () => queue.getWorkersCount(), ...(options.prepare === undefined ? {} : { prepare: options.prepare }) };
}

/** A queue-level failure (stalled too often, removed): the step failed without a result. */
function lostError(jobId: string, reason: string | undefined): RustchainError {
  return new RustchainError('E_BACKEND_JOB_LOST', `step job ${jobId} failed in the queue: ${reason ?? 'no reason given'}`, { details: { jobId, reason: reason ?? null }, nonRetryable: true });
}

/** The outputs of a job's return value, or its coded error; anything else is E_BACKEND_PROTOCOL. */
function outputsOf(value: unknown, maxOutputBytes: number): Record<string, unknown> {
  const result = value as Partial<StepJobResult> | null;
  if (typeof result !== 'object' || result === null || result.v !== PROTOCOL_VERSION || typeof result.ok !== 'boolean') {
    throw new RustchainError('E_BACKEND_PROTOCOL', 'a worker returned a result this rustchain does not understand', { nonRetryable: true });
  }
  if (result.ok) {
    const outputs = (result as { outputs?: unknown }).outputs;
    if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) throw new RustchainError('E_BACKEND_PROTOCOL', 'a worker returned outputs that are not an object', { nonRetryable: true });
    // Checked again here: the coordinator does not trust a worker's size check.
    const size = Buffer.byteLength(JSON.stringify(outputs));
    if (size > maxOutputBytes) throw outputTooLarge(size, maxOutputBytes);
    return outputs as Record<string, unknown>;
  }
  const error = (result as Extract<StepJobResult, { ok: false }>).error;
  const code = typeof error?.code === 'string' && /^E_[A-Z0-9_]+$/.test(error.code) ? error.code : 'E_STEP_FAILED';
  throw new RustchainError(code as ErrorCode, typeof error?.message === 'string' ? error.message : 'the step failed on a worker', {
    ...(error?.details === undefined ? {} : { details: { ...error.details } }),
    nonRetryable: error?.nonRetryable === true,
  });
}

/** E_BACKEND_OUTPUT_TOO_LARGE for outputs of `size` bytes over `limit`. */
export function outputTooLarge(size: number, limit: number): RustchainError {
  return new RustchainError('E_BACKEND_OUTPUT_TOO_LARGE', `the step's outputs are ${size} bytes, over the ${limit} bytes the Redis backend carries (settings.redis_backend.max_output_bytes)`, {
    details: { bytes: size, limit },
    nonRetryable: true,
  });
}
