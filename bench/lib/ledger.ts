import type { RunEvent } from '@rustchain/core';
import type { Engine } from './engine.ts';
import { pick } from './engine.ts';

/**
 * The audit ledger as the bench drives it: open a ledger in a state dir, turn it into an
 * executor `onEvent` sink, close it (flush + signed head) at the end of the run.
 */

/** An open ledger sink, or why there is none. */
export type BenchLedger =
  | { ok: true; onEvent: (event: RunEvent) => void; close: () => Promise<void> }
  | { ok: false; missing: string };

type OpenLedger = (stateDir: string, options?: { fsync?: boolean }) => Promise<unknown>;
type CreateLedgerSink = (ledger: unknown, options?: Record<string, unknown>) => {
  onEvent: (event: RunEvent) => void;
  close?: () => Promise<void>;
  flush?: () => Promise<void>;
};

/** Opens a ledger under `stateDir` with or without fsync. */
export async function openBenchLedger(engine: Engine, stateDir: string, fsync: boolean): Promise<BenchLedger> {
  const open = pick<OpenLedger>(engine.core, 'openLedger');
  const sink = pick<CreateLedgerSink>(engine.core, 'createLedgerSink');
  if (!open || !sink) return { ok: false, missing: 'audit ledger (openLedger/createLedgerSink)' };
  const ledger = (await open(stateDir, { fsync })) as { close?: () => Promise<void> };
  const s = sink(ledger);
  return {
    ok: true,
    onEvent: s.onEvent,
    close: async () => {
      await s.flush?.();
      await s.close?.();
      await ledger.close?.();
    },
  };
}
