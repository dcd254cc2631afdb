/**
 * Write-ahead cost (a measurement, not a test): `node --conditions=@rustchain/source --import tsx bench/ledger-durability.ts`.
 * Runs missions of noop-like steps through the real engine and ledger sink, with fsync and
 * with durability none: 200 parallel steps (group commit: every start shares a commit) and a
 * 100-step chain (one commit per step: each start waits for the disk). Prints wall ms per
 * event and per step, and the commits made. Quote with `uptime`: the disk and load dominate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerSink, executeMission, openLedger, type Ledger } from '@rustchain/core';
import { fakeDispatcher, mission, OPEN_POLICY, EMPTY_REGISTRY, step } from '../tests/core/engine/helpers.ts';

async function measure(name: string, steps: ReturnType<typeof step>[], fsync: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rustchain-durability-'));
  try {
    const ledger = await openLedger(dir, { fsync });
    await ledger.append({ runId: null, type: 'bench.begin', payload: {} });
    let commits = 0;
    const counting: Ledger = Object.assign(Object.create(ledger) as Ledger, {
      appendBatch: (i: Parameters<Ledger['appendBatch']>[0], o?: Parameters<Ledger['appendBatch']>[1]) => (commits++, ledger.appendBatch(i, o)),
    });
    const sink = createLedgerSink(counting);
    const began = performance.now();
    await executeMission(mission(steps), {
      registry: EMPTY_REGISTRY, policy: OPEN_POLICY, workDir: dir, dispatcher: fakeDispatcher(async () => ({})),
      onEvent: (e) => sink.onEvent(e), barrier: () => sink.barrier(),
    });
    await sink.close();
    const ms = performance.now() - began;
    const events = 2 * steps.length + 2;
    console.log(`${name.padEnd(28)} ${fsync ? 'fsync' : 'none '}  ${(ms / events).toFixed(3)} ms/event  ${(ms / steps.length).toFixed(2)} ms/step  ${commits} commits  ${ms.toFixed(0)} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const parallel = Array.from({ length: 200 }, (_, i) => step(`p${i}`));
const chain = Array.from({ length: 100 }, (_, i) => step(`c${i}`, i === 0 ? [] : [`c${i - 1}`]));
for (const fsync of [true, false]) {
  await measure('200 parallel steps', parallel, fsync);
  await measure('100-step chain', chain, fsync);
}
