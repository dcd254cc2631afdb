import type { StepContext, StepLogger } from '../plugin/sdk.ts';
import type { Policy } from '../policy/types.ts';
import { createEnvCapability, type HostEnv } from './env.ts';
import { createExecCapability } from './exec.ts';
import { createFetchCapability } from './fetch.ts';
import { createFsCapability } from './fs.ts';

/** What the executor knows about one attempt of one step. */
export interface StepContextInit {
  runId: string;
  stepId: string;
  /** 1-based. */
  attempt: number;
  signal: AbortSignal;
  /** Directory relative paths resolve against. */
  workDir: string;
  policy: Policy;
  /** Host environment (usually process.env); only policy-allowed names reach steps. */
  env: HostEnv;
  log?: StepLogger;
}

const SILENT: StepLogger = { info() {}, warn() {} };

/** The `ctx` a plugin's run receives: capability objects bound to the policy and this step's signal. */
export function createStepContext(init: StepContextInit): StepContext {
  return Object.freeze({
    runId: init.runId,
    stepId: init.stepId,
    attempt: init.attempt,
    signal: init.signal,
    workDir: init.workDir,
    fs: createFsCapability(init.policy, init.workDir),
    exec: createExecCapability(init),
    fetch: createFetchCapability(init.policy, init.signal),
    env: createEnvCapability(init.policy, init.env),
    log: init.log ?? SILENT,
  });
}
