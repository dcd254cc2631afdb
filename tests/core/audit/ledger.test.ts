import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditPaths, computeEventHash, keyPaths, GENESIS_HASH, logAuditEvent, openLedger, repairLedger, verifyLedger } from '@rustchain/core';
import type { LedgerHead } from '@rustchain/core';
import { readEvents, readLines, withStateDir, writeLines } from './helpers.ts';

const input = (i: number) => ({ runId: 'r', type: 'step.started', payload: { i } });

test('events are 0-based, chained from the genesis hash, and the head is signed with a 0600 key', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.append(input(0));
    await ledger.appendBatch([input(1), input(2)], { signHead: true });
    const events = await readEvents(dir);
    assert.deepEqual(events.map((e) => e.seq), [0, 1, 2]);
    assert.equal(events[0]?.prev, GENESIS_HASH);
    for (const [i, e] of events.entries()) {
      assert.equal(e.hash, computeEventHash(e));
      if (i > 0) assert.equal(e.prev, events[i - 1]?.hash);
    }
    const head = JSON.parse(await readFile(auditPaths(dir).head, 'utf8')) as LedgerHead;
    assert.deepEqual([head.seq, head.hash, head.keyId], [2, events[2]?.hash, ledger.keyId]);
    assert.equal((await stat(keyPaths(dir).privatePath)).mode & 0o777, 0o600);
    assert.ok((await stat(keyPaths(dir).publicPath)).isFile());
    assert.equal((await verifyLedger(dir)).ok, true);
  });
});

test('the key is reused across opens and logAuditEvent appends to the same chain', async () => {
  await withStateDir(async (dir) => {
    const a = await openLedger(dir);
    await logAuditEvent(dir, input(0));
    const b = await openLedger(dir);
    await b.append(input(1));
    assert.equal(a.keyId, b.keyId);
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.events, report.problem], [true, 2, null]);
  });
});

test('a non-canonical re-serialisation (key order, whitespace) is hash-identical and still verifies', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.appendBatch([input(0), { runId: null, type: 'x', payload: { b: [1, { z: 1, a: 'é' }], a: 1.5 } }], { signHead: true });
    const events = await readEvents(dir);
    const reordered = events.map((e) => {
      const keys = Object.keys(e).reverse();
      return `{ ${keys.map((k) => `${JSON.stringify(k)} :  ${JSON.stringify((e as unknown as Record<string, unknown>)[k], null, 1).replace(/\n/g, ' ')}`).join(' ,  ')} }`;
    });
    assert.notDeepEqual(reordered, await readLines(dir));
    await writeLines(dir, reordered);
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.problem], [true, null]);
  });
});

test('an extra field added to an event is refused (the hash does not cover it)', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.appendBatch([input(0), input(1)], { signHead: true });
    const events = await readEvents(dir);
    await writeLines(dir, events.map((e, i) => JSON.stringify(i === 1 ? { ...e, approvedBy: 'mallory' } : e)));
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.problem, report.firstBadSeq], [false, 'modified', 1]);
  });
});

test('events past the signed head (crash before the head write) are head-behind, not ok, and re-signed by the next append', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.appendBatch([input(0), input(1)], { signHead: true });
    const headBefore = await readFile(auditPaths(dir).head, 'utf8');
    await ledger.appendBatch([input(2), input(3)], { signHead: true });
    await writeFile(auditPaths(dir).head, headBefore);
    const behind = await verifyLedger(dir);
    assert.deepEqual([behind.ok, behind.problem, behind.firstBadSeq, behind.code], [false, 'head-behind', 2, 'E_AUDIT_UNSIGNED_TAIL']);
    const fresh = await openLedger(dir);
    await fresh.appendBatch([input(4)]);
    const after = await verifyLedger(dir);
    assert.deepEqual([after.ok, after.problem, after.head?.seq], [true, null, 4]);
  });
});

test('events appended after the signed head without the key are not ok until a repair re-signs them', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.appendBatch([input(0), input(1)], { signHead: true });
    const events = await readEvents(dir);
    const last = events.at(-1)!;
    // A forger with write access but no key can still extend the chain: hashes need no key.
    const forged: Record<string, unknown> = { seq: last.seq + 1, ts: last.ts, runId: null, type: 'step.succeeded', payload: { forged: true }, prev: last.hash };
    forged['hash'] = computeEventHash(forged as never);
    await writeLines(dir, [...events.map((e) => JSON.stringify(e)), JSON.stringify(forged)]);
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.problem, report.firstBadSeq, report.code], [false, 'head-behind', 2, 'E_AUDIT_UNSIGNED_TAIL']);
    const repaired = await repairLedger(dir);
    assert.equal(repaired.headResigned, true);
    assert.equal(repaired.event?.payload['reason'], 'unsigned-tail');
    const after = await verifyLedger(dir);
    assert.deepEqual([after.ok, after.problem], [true, null]);
  });
});

const refusals = [
  { name: 'truncated tail', code: 'E_AUDIT_TRUNCATED', tamper: async (dir: string, lines: string[]) => writeLines(dir, lines.slice(0, -1)) },
  { name: 'missing head', code: 'E_AUDIT_HEAD_SIGNATURE', tamper: async (dir: string) => rm(auditPaths(dir).head) },
  { name: 'corrupt last line', code: 'E_AUDIT_CHAIN_BROKEN', tamper: async (dir: string, lines: string[]) => writeLines(dir, [...lines.slice(0, -1), (lines.at(-1) as string).replace('"r"', '"x"')]) },
];
for (const { name, code, tamper } of refusals) {
  test(`an append refuses to extend a ledger with a ${name} (${code})`, async () => {
    await withStateDir(async (dir) => {
      const ledger = await openLedger(dir);
      await ledger.appendBatch([input(0), input(1)], { signHead: true });
      await tamper(dir, await readLines(dir));
      const fresh = await openLedger(dir);
      await assert.rejects(fresh.append(input(2)), (error: { code?: string }) => error.code === code);
    });
  });
}

test('a torn last record past the signed head is cut on the next append, with a copy kept and an audit.repaired event', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.appendBatch([input(0), input(1)], { signHead: true });
    const lines = await readLines(dir);
    const torn = '{"seq":2,"ts"';
    await writeFile(auditPaths(dir).ledger, `${lines.join('\n')}\n${torn}`);
    const fresh = await openLedger(dir);
    const event = await fresh.append(input(2));
    assert.equal(event.seq, 3);
    const events = await readEvents(dir);
    const repaired = events[2];
    assert.equal(repaired?.type, 'audit.repaired');
    assert.deepEqual([repaired?.payload['reason'], repaired?.payload['removedBytes'], repaired?.payload['automatic']], ['torn-tail', torn.length, true]);
    assert.equal(await readFile(repaired?.payload['copy'] as string, 'utf8'), torn);
    assert.deepEqual([(await verifyLedger(dir)).ok, (await verifyLedger(dir)).events], [true, 4]);
  });
});

test('a write that cannot happen surfaces as E_AUDIT_WRITE_FAILED', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await mkdir(auditPaths(dir).ledger); // EISDIR on open: an I/O fault the writer must not swallow
    await assert.rejects(ledger.append(input(0)), (error: { code?: string; details?: { errno?: string } }) =>
      error.code === 'E_AUDIT_WRITE_FAILED' && error.details?.errno === 'EISDIR');
  });
});

test('an empty or absent ledger verifies as empty', async () => {
  await withStateDir(async (dir) => {
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.events, report.problem], [true, 0, null]);
  });
});

test('a ledger line is the canonical text its hash covers, with the hash last: payload, prev, runId, seq, ts, type, hash', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir, { fsync: false });
    await ledger.appendBatch([{ runId: 'r', type: 'step.succeeded', payload: { stepId: 's', attempt: 1, outputKeys: ['b', 'a'] } }, { runId: null, type: 'x', payload: {} }]);
    for (const line of await readLines(dir)) {
      const event = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(event), ['payload', 'prev', 'runId', 'seq', 'ts', 'type', 'hash']);
      assert.equal(line, JSON.stringify(event));
      // What a reader can check with any SHA-256: the line without its hash field.
      const { hash, ...hashed } = event;
      assert.equal(createHash('sha256').update(JSON.stringify(hashed)).digest('hex'), hash);
    }
  });
});
