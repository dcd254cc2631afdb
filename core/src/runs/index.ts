/** Run state on disk, interrupted-run detection, resume planning. */
export { listRunStates, readRunState, runStatePath } from './state.ts';
export type { RunState, RunStateStatus, StepState, StepStateStatus } from './state.ts';
export { createRunStateRecorder, isRepeatable } from './recorder.ts';
export type { RunStateRecorder } from './recorder.ts';
export { reconcileInterrupted, effectiveStatus } from './interrupted.ts';
export { findResumeTarget, planResume } from './resume.ts';
export type { ResumePlan } from './resume.ts';
