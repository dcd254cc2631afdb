import type { StepRequest } from '@rustchain/core';

/**
 * What travels through Redis between the coordinator and its workers: one job per step attempt
 * and one result per job. Plain JSON; `v` lets a worker refuse a format it does not speak.
 */

/** Version of the job and result format. */
export const PROTOCOL_VERSION = 1;

/** Default queue name (`--queue` overrides). */
export const DEFAULT_QUEUE = 'rustchain-steps';

/** Default cap on a step's serialised outputs carried back through Redis (1 MiB). */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** The plugin a coordinator announces for a step type: a worker runs the step only with the same one. */
export interface AnnouncedPlugin {
  packageName: string;
  version: string;
  /** SHA-256 over the package's files (core's packageIntegrity). */
  integrity: string | null;
}

/** One step attempt as a BullMQ job's data. */
export interface StepJob {
  v: number;
  request: StepRequest;
  /** `sha256:<hex>` of the coordinator's policy: a worker whose own policy differs refuses the job. */
  policySha256: string;
  plugin: AnnouncedPlugin;
  /** Mission config.rerun_redelivered: a re-delivered side-effect step runs again instead of failing. */
  rerunRedelivered: boolean;
  maxOutputBytes: number;
}

/** A job's return value: the step's outputs or its (coded) error. Step failures are results, not queue failures. */
export type StepJobResult =
  | { v: number; ok: true; outputs: Record<string, unknown>; worker: string }
  | { v: number; ok: false; error: { code: string; message: string; details?: Record<string, unknown>; nonRetryable: boolean }; worker: string };

/**
 * The job id: the attempt's idempotency key, run id + step id + attempt. BullMQ ids may not
 * contain `:`, and step ids may contain anything, so the step id is URI-encoded.
 */
export function jobIdOf(request: Pick<StepRequest, 'runId' | 'stepId' | 'attempt'>): string {
  return `${encodeURIComponent(request.runId)}/${encodeURIComponent(request.stepId)}/${request.attempt}`;
}
