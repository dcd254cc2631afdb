/**
 * @rustchain/testing: the test kit for step-type plugins. `runStep` runs one step through the
 * real engine, policy check and capability guards in a temp dir (removed at exit).
 */
export { runStep } from './run-step.ts';
export type { RunStepOptions, StepRun } from './run-step.ts';
