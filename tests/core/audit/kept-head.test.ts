import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditPaths, keyPaths, openLedger, repairLedger, verifyLedger, type LedgerHead, type LedgerInput } from '@rustchain/core';
import { withStateDir } from './helpers.ts';

const input = (n: number): LedgerInput => ({ runId: 'r', type: 'step.succeeded', payload: { n } });

/** A copy of the three state-dir files of the audit dir, to roll back to. */
async function snapshot(dir: string): Promise<() => Promise<void>> {
  const saved = await mkdtemp(join(tmpdir(), 'rc-kept-'));
  const paths = auditPaths(dir);
  for (const name of ['ledger.jsonl', 'head.json', 'heads.jsonl']) await cp(join(paths.dir, name), join(saved, name));
  return async () => {
    for (const name of ['ledger.jsonl', 'head.json', 'heads.jsonl']) await cp(join(saved, name), join(paths.dir, name));
    await rm(saved, { recursive: true, force: true });
  };
}

test('every signed head is also kept beside the key, outside the state dir', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.appendBatch([input(0), input(1)], { signHead: true });
    const kept = JSON.parse(await readFile(join(keyPaths(dir).dir, 'latest-head.json'), 'utf8')) as LedgerHead;
    assert.deepEqual(kept, JSON.parse(await readFile(auditPaths(dir).head, 'utf8')));
    assert.equal(kept.seq, 1);
    assert.ok(!keyPaths(dir).dir.startsWith(dir));
  });
});

test('a consistent roll-back of ledger, head and head log is E_AUDIT_ROLLBACK; the writer and repair refuse it', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.appendBatch([input(0), input(1)], { signHead: true });
    const restore = await snapshot(dir);
    await ledger.appendBatch([input(2), input(3)], { signHead: true });
    await restore();
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.problem, report.code, report.firstBadSeq], [false, 'rolled-back', 'E_AUDIT_ROLLBACK', 2]);
    const plain = await verifyLedger(dir, { keptHead: false });
    assert.equal(plain.ok, true, 'without the kept head the roll-back is invisible');
    await assert.rejects((await openLedger(dir)).append(input(9)), { code: 'E_AUDIT_ROLLBACK' });
    await assert.rejects((await openLedger(dir)).check(), { code: 'E_AUDIT_ROLLBACK' });
    await assert.rejects(repairLedger(dir), { code: 'E_AUDIT_ROLLBACK' });
  });
});

test('a missing audit dir with a kept head is E_AUDIT_MISSING; a witness not signed by the key is bad-signature', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.append(input(0));
    const head = JSON.parse(await readFile(auditPaths(dir).head, 'utf8')) as LedgerHead;
    await rm(auditPaths(dir).dir, { recursive: true });
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.code, report.problem], [false, 'E_AUDIT_MISSING', 'ledger-missing']);
    const forged = { ...head, signature: Buffer.alloc(64).toString('base64') };
    const bad = await verifyLedger(dir, { keptHead: false, witnesses: [{ source: 'x', head: forged }] });
    assert.deepEqual([bad.ok, bad.code], [false, 'E_AUDIT_HEAD_SIGNATURE']);
  });
});

test('a writer never signs over an unsigned tail it did not write, but continues its own', async () => {
  await withStateDir(async (dir) => {
    const own = await openLedger(dir, { fsync: false, headIntervalMs: 60_000 });
    await own.appendBatch([input(0)], { signHead: true });
    await own.appendBatch([input(1)]); // left unsigned on purpose (interval)
    await own.appendBatch([input(2)]);
    const other = await openLedger(dir);
    await assert.rejects(other.append(input(3)), (e: { code?: string; details?: Record<string, unknown> }) =>
      e.code === 'E_AUDIT_UNSIGNED_TAIL' && e.details?.['from'] === 1 && e.details['through'] === 2);
    await own.signHead();
    await other.append(input(3));
    assert.equal((await verifyLedger(dir)).ok, true);
  });
});

test('repair adopts an unsigned tail and names the adopted seqs', async () => {
  await withStateDir(async (dir) => {
    const own = await openLedger(dir, { fsync: false, headIntervalMs: 60_000 });
    await own.appendBatch([input(0)], { signHead: true });
    await own.appendBatch([input(1), input(2)]);
    const repaired = await repairLedger(dir);
    assert.deepEqual(repaired.adopted, { from: 1, through: 2 });
    assert.deepEqual(repaired.event?.payload['adopted'], { from: 1, through: 2 });
    assert.equal((await verifyLedger(dir)).ok, true);
  });
});
