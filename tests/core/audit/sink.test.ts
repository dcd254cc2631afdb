import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { test } from 'node:test';
import { auditPaths, createLedgerSink, digestJson, openLedger, runEventToLedgerInput, verifyLedger } from '@rustchain/core';
import type { RunEvent } from '@rustchain/core';
import { readEvents, withStateDir } from './helpers.ts';

const error = { code: 'E_STEP_FAILED' as const, message: 'boom' };
const EVENTS: RunEvent[] = [
  { type: 'run.started', runId: 'r', mission: 'm.yaml', missionSha256: 'ab', steps: 2 },
  { type: 'step.started', runId: 'r', stepId: 'a', attempt: 1 },
  { type: 'step.retried', runId: 'r', stepId: 'a', attempt: 1, delayMs: 10, error },
  { type: 'step.succeeded', runId: 'r', stepId: 'a', attempt: 2, durationMs: 5, outputs: { path: 'x', size: 3 } },
  { type: 'step.failed', runId: 'r', stepId: 'b', attempt: 1, durationMs: 2, error },
  { type: 'step.skipped', runId: 'r', stepId: 'c', error: { code: 'E_UPSTREAM_FAILED', message: 'b failed' } },
  { type: 'step.cancelled', runId: 'r', stepId: 'd', attempt: 1, error: { code: 'E_STEP_CANCELLED', message: 'fail_fast' } },
  { type: 'run.cancelled', runId: 'r', reason: 'SIGTERM' },
  { type: 'run.finished', runId: 'r', status: 'cancelled', durationMs: 20 },
];

for (const event of EVENTS) {
  test(`runEventToLedgerInput maps ${event.type} with its run id and no type/runId duplicated in the payload`, () => {
    const input = runEventToLedgerInput(event, { user: 'u', host: 'h', pid: 1 });
    assert.equal(input.type, event.type);
    assert.equal(input.runId, 'r');
    assert.equal('type' in input.payload || 'runId' in input.payload, false);
    if ('stepId' in event) assert.equal(input.payload.stepId, event.stepId);
  });
}

test('step outputs are recorded as a digest and key list; run.started carries who and where', () => {
  const ok = runEventToLedgerInput(EVENTS[3] as RunEvent, { user: 'u', host: 'h', pid: 1 });
  assert.deepEqual(ok.payload, { stepId: 'a', attempt: 2, durationMs: 5, outputsDigest: `sha256:${digestJson({ path: 'x', size: 3 })}`, outputKeys: ['path', 'size'] });
  const started = runEventToLedgerInput(EVENTS[0] as RunEvent, { user: 'u', host: 'h', pid: 1 });
  assert.deepEqual([started.payload.user, started.payload.host], ['u', 'h']);
});

test('1,000 events emitted in one tick are written as one group commit, in order, and verify', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    const sink = createLedgerSink(ledger);
    for (let i = 0; i < 1000; i++) sink.onEvent({ type: 'step.succeeded', runId: 'r', stepId: `s${i}`, attempt: 1, durationMs: 1, outputs: {} });
    await sink.close();
    const events = await readEvents(dir);
    assert.deepEqual(events.map((e) => e.payload.stepId), Array.from({ length: 1000 }, (_, i) => `s${i}`));
    // One batch: one timestamp for all (the writer stamps a batch once).
    assert.equal(new Set(events.map((e) => e.ts)).size, 1);
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.problem, report.head?.seq], [true, null, 999]);
  });
});

test('onEvent is synchronous and writes nothing until the next tick', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    const sink = createLedgerSink(ledger);
    sink.onEvent(EVENTS[0] as RunEvent);
    assert.equal(statSync(auditPaths(dir).ledger, { throwIfNoEntry: false })?.size ?? 0, 0);
    await sink.flush();
    assert.equal((await verifyLedger(dir)).events, 1);
    await sink.close();
  });
});

test('a failed write is reported once through onError and rejects flush with E_AUDIT_WRITE_FAILED (fail closed)', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    const seen: string[] = [];
    const sink = createLedgerSink(ledger, { onError: (e) => seen.push(e.code) });
    await rm(auditPaths(dir).ledger, { force: true });
    await mkdir(auditPaths(dir).ledger);
    sink.onEvent(EVENTS[0] as RunEvent);
    sink.onEvent(EVENTS[1] as RunEvent);
    await assert.rejects(sink.flush(), (e: { code?: string }) => e.code === 'E_AUDIT_WRITE_FAILED');
    assert.equal(sink.error?.code, 'E_AUDIT_WRITE_FAILED');
    sink.onEvent(EVENTS[2] as RunEvent);
    await assert.rejects(sink.close(), (e: { code?: string }) => e.code === 'E_AUDIT_WRITE_FAILED');
    assert.deepEqual(seen, ['E_AUDIT_WRITE_FAILED']);
  });
});
