import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from 'clipanion';
import type { CallJournal, CallJournalMode, RunEvent, SecretRedactor } from '@rustchain/core';

/**
 * The run's call journal from `--record <dir>` / `--replay <dir>`: every ctx.fetch call is
 * reported to the ledger (request digest before the call, response digest after) and, with a
 * flag, recorded to or replayed from the directory. Without a flag calls still go to the ledger.
 */
export async function runCallJournal(options: {
  calls: CallFlags;
  redactor: SecretRedactor;
  /** The ledger: net.* events go there only (not to the progress view or the run state). */
  sinks: { onEvent(event: RunEvent): void; barrier(): Promise<void> };
}): Promise<CallJournal> {
  const { createCallJournal } = await import('@rustchain/core');
  // A run that makes no call still leaves a recording (an empty one), so its --replay works.
  if (options.calls.mode === 'record' && options.calls.dir !== undefined) await mkdir(options.calls.dir, { recursive: true });
  return createCallJournal({
    mode: options.calls.mode,
    dir: options.calls.dir,
    redactor: options.redactor,
    onEvent: (event) => options.sinks.onEvent(event),
    barrier: () => options.sinks.barrier(),
  });
}

/** What --record / --replay asked for, checked. */
export interface CallFlags {
  mode: CallJournalMode;
  dir: string | undefined;
}

/** Checks --record / --replay before anything is opened (usage errors exit 2 with nothing recorded). */
export function callFlags(record: string | undefined, replay: string | undefined, cwd: string): CallFlags {
  if (record !== undefined && replay !== undefined) throw new UsageError('--record and --replay cannot be combined');
  const raw = record ?? replay;
  if (raw === '') throw new UsageError(`--${record !== undefined ? 'record' : 'replay'} needs a directory`);
  const dir = raw === undefined ? undefined : resolve(cwd, raw);
  if (replay !== undefined && !isDirectory(dir!)) throw new UsageError(`--replay: ${dir!} is not a directory of recordings (make one with --record)`);
  return { mode: record !== undefined ? 'record' : replay !== undefined ? 'replay' : 'live', dir };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
