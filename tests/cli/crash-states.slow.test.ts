/**
 * Issue 12, crash states of the ledger through the real CLI: each state a crash or power loss
 * can leave (made by hand: head behind, torn tail, head ahead of a lost tail, a cut in the
 * middle of a signed record, a lost last segment; and by SIGKILL of a real run at moments
 * fast-check chooses, in crash-kill.slow.test.ts) must end, after `audit verify --repair`, with an ok ledger, a copy of
 * anything removed, and a next run that works.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { segmentPath, type VerifyReport } from '@rustchain/core';
import { json } from './harness.ts';
import { createStep, fixture, header, repairsAndRunsOn } from './crash-helpers.ts';

test('head behind (a crash between the segment write and the head write): exit 1 E_AUDIT_UNSIGNED_TAIL, --repair re-signs', async (t) => {
  const { project, cli, paths } = await fixture();
  t.after(() => project.cleanup());
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  const head = await readFile(paths.head);
  const heads = await readFile(paths.heads);
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  await writeFile(paths.head, head);
  await writeFile(paths.heads, heads);
  const before = await cli(['audit', 'verify', '--json']);
  assert.deepEqual([before.code, json<VerifyReport>(before).code], [1, 'E_AUDIT_UNSIGNED_TAIL']);
  const doc = await repairsAndRunsOn(cli);
  assert.equal(doc.repaired?.headResigned, true);
});

test('torn tail: --repair cuts it and keeps the cut bytes', async (t) => {
  const { project, cli, paths } = await fixture();
  t.after(() => project.cleanup());
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  await appendFile(paths.ledger, '{"seq":99,"ts":"2026-');
  const doc = await repairsAndRunsOn(cli);
  assert.equal(doc.repaired?.removedBytes, 21);
  const copy = doc.repaired?.copy as string;
  const kept = readdirSync(copy).find((f) => f.startsWith('ledger.jsonl.torn-at-')) as string;
  assert.equal(await readFile(join(copy, kept), 'utf8'), '{"seq":99,"ts":"2026-');
});

test('head ahead of a lost tail (power loss lost the last records): exit 1 E_AUDIT_TRUNCATED, --repair drops the lost heads with copies and records the lost seqs', async (t) => {
  const { project, cli, paths } = await fixture();
  t.after(() => project.cleanup());
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  const text = await readFile(paths.ledger, 'utf8');
  const lines = text.trimEnd().split('\n');
  const headBefore = await readFile(paths.head, 'utf8');
  await writeFile(paths.ledger, `${lines.slice(0, -3).join('\n')}\n`);
  const broken = await cli(['audit', 'verify', '--json']);
  assert.deepEqual([broken.code, json<VerifyReport>(broken).code], [1, 'E_AUDIT_TRUNCATED']);
  // Every later run refuses to start (exit 2, nothing ran) until repaired.
  const refused = await cli(['mission', 'execute', 'next.yaml']);
  assert.equal(refused.code, 2);
  const doc = await repairsAndRunsOn(cli);
  assert.deepEqual(doc.repaired?.lost, { from: lines.length - 3, through: lines.length - 1 });
  assert.equal(await readFile(join(doc.repaired?.copy as string, 'head.json'), 'utf8'), headBefore);
  assert.ok(existsSync(join(doc.repaired?.copy as string, 'heads.jsonl')));
  const events = (await readFile(paths.ledger, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; payload: Record<string, unknown> });
  const repairEvent = events.find((e) => e.type === 'audit.repaired');
  assert.equal(repairEvent?.payload['reason'], 'lost-tail');
});

test('a cut in the middle of the signed last record: --repair keeps the cut bytes and the ledger verifies', async (t) => {
  const { project, cli, paths } = await fixture();
  t.after(() => project.cleanup());
  assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  const size = (await readFile(paths.ledger)).length;
  await truncate(paths.ledger, size - 40);
  const doc = await repairsAndRunsOn(cli);
  assert.ok((doc.repaired?.removedBytes ?? 0) > 0);
  assert.notEqual(doc.repaired?.lost, null);
  assert.ok(readdirSync(doc.repaired?.copy as string).some((f) => f.startsWith('ledger.jsonl.torn-at-')));
});

test('tiny segments: the chain runs across segment files; a lost last segment is repaired like a lost tail', async (t) => {
  const { project, cli, paths } = await fixture({ RUSTCHAIN_LEDGER_SEGMENT_BYTES: '1500' });
  t.after(() => project.cleanup());
  for (let i = 0; i < 2; i++) assert.equal((await cli(['mission', 'execute', 'small.yaml'])).code, 0);
  const segments = readdirSync(paths.dir).filter((f) => /^ledger(\.\d+)?\.jsonl$/.test(f)).length;
  assert.ok(segments >= 3, `${segments} segments`);
  assert.equal((await cli(['audit', 'verify'])).code, 0);
  const since = await cli(['audit', 'verify', '--since', 'segment:1', '--json']);
  assert.equal(since.code, 0, since.stdout);
  await rm(segmentPath(paths, segments - 1));
  assert.equal((await cli(['audit', 'verify'])).code, 1);
  const doc = await repairsAndRunsOn(cli);
  assert.notEqual(doc.repaired?.lost, null);
});
