/**
 * The head log (heads.jsonl): every signed head is logged, and verify uses the log to catch
 * what head.json alone cannot — an insider with the key who rolls back, forks or re-chains.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { auditPaths, computeEventHash, digestJson, GENESIS_HASH, openLedger, repairLedger, verifyLedger } from '@rustchain/core';
import type { LedgerEvent, LedgerHead, LedgerInput } from '@rustchain/core';
import { readEvents, readLoggedHeads, readLines, signAsOwner, withStateDir, writeLines } from './helpers.ts';

const input = (i: number): LedgerInput => ({ runId: 'run-h', type: 'step.succeeded', payload: { i } });

/** A ledger of 9 events whose head was signed at seq 2, 5 and 8 (three flushes). */
async function withHeads(body: (dir: string, events: LedgerEvent[], heads: LedgerHead[]) => Promise<void>): Promise<void> {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    for (let b = 0; b < 3; b++) await ledger.appendBatch([0, 1, 2].map((k) => input(b * 3 + k)), { signHead: true });
    await body(dir, await readEvents(dir), await readLoggedHeads(dir));
  });
}

const appendLogged = async (dir: string, head: LedgerHead): Promise<void> => {
  const path = auditPaths(dir).heads;
  await writeFile(path, `${await readFile(path, 'utf8')}${JSON.stringify(head)}\n`);
};

test('every signed head is logged, linked to the one it replaced, with non-decreasing seq and ts', async () => {
  await withHeads(async (dir, events, heads) => {
    assert.deepEqual(heads.map((h) => h.seq), [2, 5, 8]);
    assert.deepEqual(heads.map((h) => h.hash), [2, 5, 8].map((s) => (events[s] as LedgerEvent).hash));
    assert.equal(heads[0]?.prevHead, GENESIS_HASH);
    for (let i = 1; i < heads.length; i++) assert.equal(heads[i]?.prevHead, digestJson(heads[i - 1]));
    const head = JSON.parse(await readFile(auditPaths(dir).head, 'utf8')) as LedgerHead;
    assert.deepEqual(head, heads.at(-1));
    assert.equal((await verifyLedger(dir)).ok, true);
  });
});

test('a logged head with a lower seq than the one before it: E_AUDIT_HEAD_NOT_MONOTONIC', async () => {
  await withHeads(async (dir, events, heads) => {
    const last = heads.at(-1) as LedgerHead;
    await appendLogged(dir, await signAsOwner(dir, { seq: 5, hash: (events[5] as LedgerEvent).hash, ts: last.ts, prevHead: digestJson(last) }));
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.code, report.problem, report.firstBadSeq], [false, 'E_AUDIT_HEAD_NOT_MONOTONIC', 'not-monotonic', 5]);
  });
});

test('a logged head with an earlier timestamp than the one before it: E_AUDIT_HEAD_NOT_MONOTONIC', async () => {
  await withHeads(async (dir, events, heads) => {
    const last = heads.at(-1) as LedgerHead;
    await appendLogged(dir, await signAsOwner(dir, { seq: 8, hash: (events[8] as LedgerEvent).hash, ts: '2000-01-01T00:00:00.000Z', prevHead: digestJson(last) }));
    const report = await verifyLedger(dir);
    assert.deepEqual([report.code, report.firstBadSeq], ['E_AUDIT_HEAD_NOT_MONOTONIC', 8]);
  });
});

test('two validly signed heads for one seq with different hashes: E_AUDIT_FORK', async () => {
  await withHeads(async (dir, _events, heads) => {
    const last = heads.at(-1) as LedgerHead;
    await appendLogged(dir, await signAsOwner(dir, { seq: 8, hash: 'f'.repeat(64), ts: last.ts, prevHead: digestJson(last) }));
    const report = await verifyLedger(dir);
    assert.deepEqual([report.code, report.problem, report.firstBadSeq], ['E_AUDIT_FORK', 'fork', 8]);
  });
});

test('an insider re-chain from seq 4 with a freshly signed head.json is caught by the logged head at seq 5', async () => {
  await withHeads(async (dir, events) => {
    const out: LedgerEvent[] = events.slice(0, 4);
    for (let i = 4; i < events.length; i++) {
      const e = events[i] as LedgerEvent;
      const base = { ...e, prev: (out[i - 1] as LedgerEvent).hash, payload: i === 4 ? { rewritten: true } : e.payload };
      out.push({ ...base, hash: computeEventHash(base) });
    }
    await writeLines(dir, out.map((e) => JSON.stringify(e)));
    const last = out.at(-1) as LedgerEvent;
    const resigned = await signAsOwner(dir, { seq: last.seq, hash: last.hash, ts: new Date().toISOString() });
    await writeFile(auditPaths(dir).head, JSON.stringify(resigned));
    const report = await verifyLedger(dir);
    assert.deepEqual([report.code, report.problem, report.firstBadSeq], ['E_AUDIT_HEAD_MISMATCH', 'modified', 5]);
  });
});

test('a roll-back of ledger and head.json to an older copy is caught by the head log: E_AUDIT_TRUNCATED', async () => {
  await withHeads(async (dir, _events, heads) => {
    const lines = await readLines(dir);
    await writeLines(dir, lines.slice(0, 6));
    await writeFile(auditPaths(dir).head, JSON.stringify(heads[1]));
    const report = await verifyLedger(dir);
    assert.deepEqual([report.code, report.problem, report.firstBadSeq], ['E_AUDIT_TRUNCATED', 'truncated', 6]);
  });
});

test('a removed head log is caught by head.json linking to a predecessor: E_AUDIT_HEAD_MISMATCH', async () => {
  await withHeads(async (dir) => {
    await rm(auditPaths(dir).heads);
    const report = await verifyLedger(dir);
    assert.deepEqual([report.code, report.firstBadSeq], ['E_AUDIT_HEAD_MISMATCH', 8]);
  });
});

test('a logged line that is not a validly signed head: E_AUDIT_HEAD_SIGNATURE', async () => {
  await withHeads(async (dir, _events, heads) => {
    const first = heads[0] as LedgerHead;
    await appendLogged(dir, { ...first, seq: 9 });
    assert.equal((await verifyLedger(dir)).code, 'E_AUDIT_HEAD_SIGNATURE');
  });
});

test('repair re-signing a missing head logs it, and the ledger verifies', async () => {
  await withHeads(async (dir) => {
    await rm(auditPaths(dir).head);
    const before = (await readLoggedHeads(dir)).length;
    const result = await repairLedger(dir);
    assert.equal(result.headResigned, true);
    assert.ok((await readLoggedHeads(dir)).length > before);
    const report = await verifyLedger(dir);
    assert.equal(report.ok, true, report.message);
  });
});
