/** The executor: mission runs, single steps, the in-process dispatcher. */
export { executeMission } from './execute.ts';
export { executeStep } from './execute-step.ts';
export { createInProcessDispatcher } from './in-process-dispatcher.ts';
export { retryDelayMs, abortableSleep } from './retry.ts';
export { toStepError } from './step-error.ts';
export type { ExecuteOptions } from './options.ts';
