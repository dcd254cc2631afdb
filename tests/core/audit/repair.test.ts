import assert from 'node:assert/strict';
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditPaths, openLedger, repairLedger, verifyLedger } from '@rustchain/core';
import { readEvents, readLines, withStateDir, writeLines } from './helpers.ts';

const input = (i: number) => ({ runId: 'r', type: 'step.started', payload: { i } });

const tornTails = [
  { name: 'half a record', tail: '{"seq":3,"ts":"2026-01-01T00:00:00.000Z","runId":"r","ty' },
  { name: 'one byte', tail: '{' },
  { name: 'a complete record without its newline', tail: null },
];

for (const { name, tail } of tornTails) {
  test(`a torn last line (${name}) is E_AUDIT_TORN_TAIL, not tampering, and --repair fixes it`, async () => {
    await withStateDir(async (dir) => {
      const ledger = await openLedger(dir);
      await ledger.appendBatch([input(0), input(1), input(2)], { signHead: true });
      const before = await readFile(auditPaths(dir).ledger, 'utf8');
      const lines = await readLines(dir);
      const torn = tail ?? (lines.at(-1) as string);
      if (tail === null) await writeLines(dir, lines.slice(0, -1)).then(() => appendFile(auditPaths(dir).ledger, torn));
      else await appendFile(auditPaths(dir).ledger, torn);
      const expectedEvents = tail === null ? 2 : 3;

      const report = await verifyLedger(dir);
      assert.deepEqual([report.ok, report.problem, report.code, report.firstBadSeq], [false, 'torn-tail', 'E_AUDIT_TORN_TAIL', expectedEvents]);
      // Verify never repairs by itself.
      assert.equal((await readFile(auditPaths(dir).ledger, 'utf8')).endsWith(torn), true);

      if (tail === null) {
        // The torn record is the signed head's, whole but for its newline: repair completes it, cuts nothing.
        const result = await repairLedger(dir);
        assert.deepEqual([result.removedBytes, result.lost, result.event?.payload['reason']], [0, null, 'completed-record']);
        assert.equal((await readFile(auditPaths(dir).ledger, 'utf8')).startsWith(before), true);
        assert.deepEqual([(await verifyLedger(dir)).ok, (await verifyLedger(dir)).events], [true, 4]);
        return;
      }
      const result = await repairLedger(dir);
      assert.equal(result.removedBytes, Buffer.byteLength(torn));
      assert.equal(result.event?.type, 'audit.repaired');
      assert.equal(result.event?.seq, 3);
      const after = await verifyLedger(dir);
      assert.deepEqual([after.ok, after.problem, after.events], [true, null, 4]);
      assert.equal((await readFile(auditPaths(dir).ledger, 'utf8')).startsWith(before), true);
      const events = await readEvents(dir);
      const { copy, ...payload } = events.at(-1)?.payload ?? {};
      assert.deepEqual(payload, { reason: 'torn-tail', removedBytes: Buffer.byteLength(torn), headResigned: false, previousHeadSeq: 2 });
      // The cut bytes are kept.
      assert.equal(copy, result.copy);
      assert.equal(await readFile(join(copy as string, `ledger.jsonl.torn-at-${Buffer.byteLength(before)}`), 'utf8'), torn);
    });
  });
}

test('repair re-signs a missing head (crash before the first head write) and records it', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.appendBatch([input(0), input(1)], { signHead: true });
    await rm(auditPaths(dir).head);
    assert.deepEqual([(await verifyLedger(dir)).problem], ['bad-signature']);
    const result = await repairLedger(dir);
    assert.deepEqual([result.removedBytes, result.headResigned, result.event?.seq], [0, true, 2]);
    assert.deepEqual([(await verifyLedger(dir)).ok, (await verifyLedger(dir)).problem], [true, null]);
  });
});

test('repair refuses a tampered ledger and leaves it untouched', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.appendBatch([input(0), input(1), input(2)], { signHead: true });
    const lines = await readLines(dir);
    await writeLines(dir, [lines[0] as string, lines[2] as string, lines[1] as string]);
    const before = await readFile(auditPaths(dir).ledger, 'utf8');
    await assert.rejects(repairLedger(dir), (e: { code?: string }) => e.code === 'E_AUDIT_CHAIN_BROKEN');
    assert.equal(await readFile(auditPaths(dir).ledger, 'utf8'), before);
  });
});

test('a healthy ledger needs no repair', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    await ledger.append(input(0));
    assert.deepEqual(await repairLedger(dir), { removedBytes: 0, headResigned: false, lost: null, copy: null, adopted: null, event: null });
  });
});
