import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ownerAlive } from './liveness.ts';
import { activeMarker } from './recorder.ts';
import { readRunState, removeJournals, runsDir, writeRunState, type RunState } from './state.ts';

/**
 * Finds runs whose process died while they ran (an `.active` marker whose owner pid is gone
 * or reused) and marks them `interrupted` in their state. Each is returned once: the marker
 * is claimed by rename, so two processes looking at the same time do not both report it.
 * The caller records each in the ledger (`run.interrupted`).
 */
export function reconcileInterrupted(stateDir: string): RunState[] {
  const dir = join(runsDir(stateDir), '.active');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: RunState[] = [];
  for (const runId of names) {
    if (runId.includes('.claim.')) continue;
    const marker = activeMarker(stateDir, runId);
    const state = readRunState(stateDir, runId);
    if (state !== null && state.status === 'running' && ownerAlive(state.process)) continue;
    const claimed = `${marker}.claim.${process.pid}`;
    try {
      renameSync(marker, claimed);
    } catch {
      continue; // someone else claimed it
    }
    try {
      if (state !== null && state.status === 'running') {
        state.status = 'interrupted';
        state.updatedAt = new Date().toISOString();
        writeRunState(stateDir, state);
        // The new snapshot holds what the journal said: it names none.
        removeJournals(stateDir, runId);
        found.push(state);
      }
      rmSync(claimed, { force: true });
    } catch {
      // A state dir we cannot write (read-only media): leave the marker for the next look.
      try {
        renameSync(claimed, marker);
      } catch {
        // nothing more to do
      }
    }
  }
  return found;
}

/** A state's status as it is now: `running` whose process is gone is `interrupted`. */
export function effectiveStatus(state: RunState): RunState['status'] {
  return state.status === 'running' && !ownerAlive(state.process) ? 'interrupted' : state.status;
}
