import { RustchainError } from '../errors.ts';
import type { Mission } from '../model/mission.ts';
import { ownerAlive } from './liveness.ts';
import { isRepeatable } from './recorder.ts';
import { listRunStates, readRunState, type RunState } from './state.ts';

/** What a resume runs with: the steps reused, and the interrupted ones run again. */
export interface ResumePlan {
  state: RunState;
  /** For executeMission's `completed`. */
  completed: Record<string, { outputs: Record<string, unknown>; attempts: number }>;
  /** Ids of the succeeded steps that are not run again. */
  reused: string[];
  /** Ids of steps that were running when the run died and run again. */
  rerun: string[];
}

/**
 * The state a `--resume <runId|latest>` names: `latest` is the most recently started run of
 * the same mission file or module (`artifactFile`). E_RUN_NOT_FOUND otherwise.
 */
export function findResumeTarget(stateDir: string, ref: string, artifactFile: string): RunState {
  const state = ref === 'latest' ? (listRunStates(stateDir).find((s) => s.artifact.file === artifactFile) ?? null) : readRunState(stateDir, ref);
  if (state === null) {
    const message = ref === 'latest' ? `no earlier run of ${artifactFile} under ${stateDir}/runs` : `no run state for run id ${ref} under ${stateDir}/runs`;
    throw new RustchainError('E_RUN_NOT_FOUND', message, { details: { runId: ref }, nonRetryable: true });
  }
  return state;
}

/** A step that may have done (part of) its work: it started and did not end by itself. */
function interrupted(step: RunState['steps'][string]): boolean {
  return step.status === 'running' || (step.status === 'cancelled' && step.attempts > 0);
}

/**
 * Decides what a resume of `state` runs, or refuses: E_RESUME_NOT_RESUMABLE (succeeded, or
 * its process still runs), E_RESUME_DIGEST_CHANGED (the mission or module is not the one the
 * run started with), E_RESUME_INTERRUPTED_STEP (a step whose plugin has side effects was
 * running at the crash, unless `rerunInterrupted`).
 */
export function planResume(state: RunState, mission: Mission, artifactSha256: string, options: { rerunInterrupted: boolean }): ResumePlan {
  const runId = state.runId;
  if (state.status === 'succeeded') {
    throw new RustchainError('E_RESUME_NOT_RESUMABLE', `run ${runId} succeeded: there is nothing to resume`, { details: { runId, status: state.status }, nonRetryable: true });
  }
  if (state.status === 'running' && ownerAlive(state.process)) {
    throw new RustchainError('E_RESUME_NOT_RESUMABLE', `run ${runId} is still running (pid ${state.process.pid})`, { details: { runId, status: state.status, pid: state.process.pid }, nonRetryable: true });
  }
  if (state.artifact.sha256 !== artifactSha256 || state.mission.sha256 !== mission.source.sha256) {
    throw new RustchainError('E_RESUME_DIGEST_CHANGED', `${state.artifact.file} changed since run ${runId} started: resume would mix two different missions; start a new run instead`, {
      details: { runId, recorded: state.artifact.sha256, current: artifactSha256 },
      nonRetryable: true,
    });
  }
  const completed: ResumePlan['completed'] = {};
  const reused: string[] = [];
  const rerun: string[] = [];
  const unsafe: string[] = [];
  // Cleanup follows the main steps' work: it runs again after a resume that runs any main
  // step, and is reused only when the run died in its finally phase.
  const mainDone = mission.steps.every((s) => state.steps[s.id]?.status === 'succeeded');
  const cleanup = new Set((mission.finally ?? []).map((s) => s.id));
  for (const step of [...mission.steps, ...(mission.finally ?? [])]) {
    const stored = state.steps[step.id];
    if (stored === undefined) continue;
    if (stored.status === 'succeeded' && (mainDone || !cleanup.has(step.id))) {
      completed[step.id] = { outputs: stored.outputs ?? {}, attempts: stored.attempts };
      reused.push(step.id);
    } else if (interrupted(stored)) {
      rerun.push(step.id);
      if (!isRepeatable(stored.effect)) unsafe.push(step.id);
    }
  }
  if (unsafe.length > 0 && !options.rerunInterrupted) {
    throw new RustchainError(
      'E_RESUME_INTERRUPTED_STEP',
      `run ${runId}: step${unsafe.length > 1 ? 's' : ''} ${unsafe.map((id) => `"${id}"`).join(', ')} had started when the run died and ${unsafe.length > 1 ? 'have' : 'has'} side effects that may or may not have happened; check, then resume with --rerun-interrupted to run ${unsafe.length > 1 ? 'them' : 'it'} again`,
      { details: { runId, steps: unsafe }, nonRetryable: true },
    );
  }
  return { state, completed, reused, rerun };
}
