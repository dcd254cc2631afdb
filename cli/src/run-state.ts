import type { LedgerInput, Mission, Project, ResumePlan, RunState } from '@rustchain/core';

/** What a run executes, as its state records it (and resume compares). */
export interface RunArtifact {
  kind: 'mission' | 'compiled';
  /** Absolute path. */
  file: string;
  sha256: string;
  /** A compiled module's signature check, as the ledger records it. */
  signature?: Record<string, unknown>;
}

/** The artifact of a compiled module: the digest of the bytes that were verified and imported (never a second read). */
export function compiledArtifact(moduleFile: string, sha256: string, signature: Record<string, unknown>): RunArtifact {
  return { kind: 'compiled', file: moduleFile, sha256, signature };
}

/** The ledger event that records a run found interrupted (its process died while it ran). */
function interruptedInput(state: RunState): LedgerInput {
  const running = Object.entries(state.steps).filter(([, s]) => s.status === 'running').map(([id]) => id);
  return { runId: state.runId, type: 'run.interrupted', payload: { pid: state.process.pid, host: state.process.host, startedAt: state.startedAt, running } };
}

/** The ledger event that opens a resumed execution of a run (same run id). */
export function resumedInput(plan: ResumePlan): LedgerInput {
  return { runId: plan.state.runId, type: 'run.resumed', payload: { resumes: plan.state.resumes + 1, reused: plan.reused, rerun: plan.rerun, previousStatus: plan.state.status } };
}

/**
 * Marks runs whose process died as interrupted (state and ledger): done whenever the state dir
 * is opened for a run or a listing, so a crash is recorded by whoever comes next.
 */
export async function recordInterrupted(project: Project, record?: (input: LedgerInput) => void): Promise<RunState[]> {
  const core = await import('@rustchain/core');
  const found = core.reconcileInterrupted(project.stateDir);
  for (const state of found) {
    if (record !== undefined) record(interruptedInput(state));
    else await core.logAuditEvent(project.stateDir, interruptedInput(state));
  }
  return found;
}

/** The resume plan for `--resume <ref>` (throws the E_RUN_* / E_RESUME_* refusals, exit 2). */
export async function resumePlan(project: Project, mission: Mission, artifact: RunArtifact, ref: string, rerunInterrupted: boolean): Promise<ResumePlan> {
  const core = await import('@rustchain/core');
  const { resolveRunId } = await import('./run-id.ts');
  const state = core.findResumeTarget(project.stateDir, await resolveRunId(project.stateDir, ref), artifact.file);
  // A run whose process died but that nobody marked yet is interrupted now.
  const effective = { ...state, status: core.effectiveStatus(state) };
  return core.planResume(effective, mission, artifact.sha256, { rerunInterrupted });
}
