/** Segmented ledger and streaming/incremental verify, with segments of a few hundred bytes. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { auditPaths, openLedger, segmentPath, verifyLedger, type LedgerEvent } from '@rustchain/core';
import { withStateDir } from './helpers.ts';

const input = (i: number) => ({ runId: 'r', type: 'step.started', payload: { i } });
const segmentFiles = (dir: string): string[] => readdirSync(auditPaths(dir).dir).filter((f) => /^ledger(\.\d+)?\.jsonl$/.test(f)).sort();
const linesOf = async (dir: string, n: number): Promise<string[]> => (await readFile(segmentPath(auditPaths(dir), n), 'utf8')).trimEnd().split('\n');

async function build(dir: string, batches = 20): Promise<void> {
  const ledger = await openLedger(dir, { segmentBytes: 600, fsync: false });
  for (let b = 0; b < batches; b++) await ledger.appendBatch([input(2 * b), input(2 * b + 1)], { signHead: true });
}

test('the chain runs on across segments of bounded size and verifies; a fresh writer continues the last segment', async () => {
  await withStateDir(async (dir) => {
    await build(dir);
    const files = segmentFiles(dir);
    assert.ok(files.length >= 5, files.join(','));
    assert.ok(files.includes('ledger.jsonl') && files.includes('ledger.000001.jsonl'));
    const first1 = JSON.parse((await linesOf(dir, 1))[0] as string) as LedgerEvent;
    const last0 = JSON.parse((await linesOf(dir, 0)).at(-1) as string) as LedgerEvent;
    assert.deepEqual([first1.prev, first1.seq], [last0.hash, last0.seq + 1]);
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.events], [true, 40]);
    const event = await (await openLedger(dir, { segmentBytes: 600 })).append(input(40));
    assert.equal(event.seq, 40);
    assert.equal((await verifyLedger(dir)).ok, true);
  });
});

test('an edit inside a sealed segment is caught at the right seq', async () => {
  await withStateDir(async (dir) => {
    await build(dir);
    const lines = await linesOf(dir, 1);
    const victim = JSON.parse(lines[1] as string) as LedgerEvent;
    lines[1] = (lines[1] as string).replace(`"i":${victim.payload['i'] as number}`, '"i":999');
    await writeFile(segmentPath(auditPaths(dir), 1), `${lines.join('\n')}\n`);
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.code, report.firstBadSeq], [false, 'E_AUDIT_CHAIN_BROKEN', victim.seq]);
  });
});

test('verify --since: from a seq, a segment, or the last ok verify; it still catches edits after its start', async () => {
  await withStateDir(async (dir) => {
    await build(dir);
    const full = await verifyLedger(dir);
    assert.equal(full.ok, true);
    const bySeq = await verifyLedger(dir, { since: 30 });
    assert.deepEqual([bySeq.ok, bySeq.events, (bySeq.checkedFrom ?? 0) <= 31], [true, 40, true]);
    const bySegment = await verifyLedger(dir, { since: { segment: 2 } });
    assert.equal(bySegment.ok, true, bySegment.message);
    // Appended since the last ok verify: only the new part is walked.
    await (await openLedger(dir, { segmentBytes: 600 })).appendBatch([input(40), input(41)], { signHead: true });
    const last = await verifyLedger(dir, { since: 'last' });
    assert.deepEqual([last.ok, last.events, last.checkedFrom], [true, 42, 40]);
    // An edit after the anchor is caught.
    const n = segmentFiles(dir).length - 1;
    const lines = await linesOf(dir, n);
    lines[lines.length - 1] = (lines.at(-1) as string).replace('"i":41', '"i":4100');
    await writeFile(segmentPath(auditPaths(dir), n), `${lines.join('\n')}\n`);
    const caught = await verifyLedger(dir, { since: 30 });
    assert.deepEqual([caught.ok, caught.code], [false, 'E_AUDIT_CHAIN_BROKEN']);
  });
});

test('verify reports progress by bytes and events', async () => {
  await withStateDir(async (dir) => {
    await build(dir, 5);
    const seen: Array<{ bytes: number; totalBytes: number; events: number }> = [];
    await verifyLedger(dir, { onProgress: (p) => seen.push(p) });
    const lastSeen = seen.at(-1);
    assert.ok(lastSeen !== undefined && lastSeen.bytes === lastSeen.totalBytes && lastSeen.events === 10);
  });
});

test('a torn record at the end of a later segment is cut on the next append (copy kept)', async () => {
  await withStateDir(async (dir) => {
    await build(dir, 10);
    const n = segmentFiles(dir).length - 1;
    assert.ok(n > 0);
    await appendFile(segmentPath(auditPaths(dir), n), '{"seq":20,"t');
    assert.equal((await verifyLedger(dir)).problem, 'torn-tail');
    const event = await (await openLedger(dir, { segmentBytes: 600 })).append(input(20));
    assert.equal(event.seq, 21);
    assert.equal((await verifyLedger(dir)).ok, true);
  });
});
