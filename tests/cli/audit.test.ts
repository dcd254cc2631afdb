/** `rustchain audit report|verify|export` through the real bin (ledgers written via the core API). */
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditPaths, createLedgerSink, keyPaths, openLedger } from '@rustchain/core';
import type { RunEvent, VerifyReport } from '@rustchain/core';
import { json, runCli, tempProject, type CliRun } from './harness.ts';

async function recordRun(home: string, runId: string): Promise<void> {
  const sink = createLedgerSink(await openLedger(home));
  sink.record({ runId, type: 'run.artifact', payload: { kind: 'compiled', path: 'm.mission.ts', sha256: 'c'.repeat(64) } });
  const events: RunEvent[] = [
    { type: 'run.started', runId, mission: 'm.yaml', missionSha256: 'a'.repeat(64), steps: 1 },
    { type: 'step.started', runId, stepId: 'hello', attempt: 1 },
    { type: 'step.succeeded', runId, stepId: 'hello', attempt: 1, durationMs: 3, outputs: { path: 'hello.txt' } },
    { type: 'run.finished', runId, status: 'succeeded', durationMs: 5 },
  ];
  for (const e of events) sink.onEvent(e);
  await sink.close();
}

/** Runs `body` in a temp project whose ledger holds one recorded run, 'run-1'; cleans up after. */
async function withRecordedRun(body: (p: { dir: string; home: string; cli: (args: string[]) => Promise<CliRun> }) => Promise<void>): Promise<void> {
  const { dir, home, cleanup } = await tempProject();
  try {
    await recordRun(home, 'run-1');
    await body({ dir, home, cli: (args) => runCli(args, { cwd: dir, home }) });
  } finally {
    await cleanup();
  }
}

test('audit verify: exit 0 when intact; one edited byte → exit 1 naming the seq and the problem', () =>
  withRecordedRun(async ({ home, cli }) => {
    const ok = await cli(['audit', 'verify', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual([json<VerifyReport>(ok).ok, json<VerifyReport>(ok).events], [true, 5]);
    const text = await readFile(auditPaths(home).ledger, 'utf8');
    const at = text.indexOf('"hello"');
    await writeFile(auditPaths(home).ledger, `${text.slice(0, at + 1)}j${text.slice(at + 2)}`); // "hello" → "jello"
    const bad = await cli(['audit', 'verify', '--json']);
    assert.equal(bad.code, 1, bad.stderr);
    const report = json<VerifyReport>(bad);
    assert.deepEqual([report.ok, report.problem, report.code, report.firstBadSeq], [false, 'modified', 'E_AUDIT_CHAIN_BROKEN', 2]);
    const human = await cli(['audit', 'verify']);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /seq 2/);
  }));

test('audit verify: a torn tail exits 1 as torn-tail; --repair fixes it and exits 0', () =>
  withRecordedRun(async ({ home, cli }) => {
    await appendFile(auditPaths(home).ledger, '{"seq":5,"ts":"2026');
    const torn = await cli(['audit', 'verify', '--json']);
    assert.equal(torn.code, 1);
    assert.deepEqual([json<VerifyReport>(torn).problem, json<VerifyReport>(torn).code], ['torn-tail', 'E_AUDIT_TORN_TAIL']);
    const repaired = await cli(['audit', 'verify', '--repair', '--json']);
    assert.equal(repaired.code, 0, repaired.stderr);
    const doc = json<VerifyReport & { repaired: { removedBytes: number } | null }>(repaired);
    assert.deepEqual([doc.ok, doc.problem, doc.events, doc.repaired?.removedBytes], [true, null, 6, 19]);
  }));

test('audit report: text, markdown and json name the run, its steps and digests; an unknown run is exit 2', () =>
  withRecordedRun(async ({ cli }) => {
    for (const format of ['text', 'markdown']) {
      const run = await cli(['audit', 'report', '--format', format]);
      assert.equal(run.code, 0, run.stderr);
      for (const needle of ['run-1', 'hello', 'c'.repeat(64)]) assert.ok(run.stdout.includes(needle), `${format}: ${needle}`);
    }
    const asJson = await cli(['audit', 'report', '--run', 'run-1', '--json']);
    assert.equal(asJson.code, 0, asJson.stderr);
    const doc = json<{ runs: Array<{ runId: string; steps: Array<{ id: string; status: string }> }> }>(asJson);
    assert.deepEqual(doc.runs.map((r) => [r.runId, r.steps.map((s) => [s.id, s.status])]), [['run-1', [['hello', 'succeeded']]]]);
    const missing = await cli(['audit', 'report', '--run', 'nope', '--json']);
    assert.equal(missing.code, 2);
    assert.equal(json<{ diagnostics: Array<{ code: string }> }>(missing).diagnostics[0]?.code, 'E_AUDIT_RUN_NOT_FOUND');
  }));

test('audit export writes a DSSE envelope that audit verify --attestation accepts; a tampered copy exits 1', () =>
  withRecordedRun(async ({ dir, home, cli }) => {
    const out = join(dir, 'run.intoto.json');
    const exported = await cli(['audit', 'export', '--run', 'run-1', '-o', out, '--json']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(json<{ ok: boolean }>(exported).ok, true);
    const good = await cli(['audit', 'verify', '--attestation', out, '--public-key', keyPaths(home).publicPath, '--json']);
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(json<{ statement: { subject: unknown } }>(good).statement.subject, [{ name: 'm.mission.ts', digest: { sha256: 'c'.repeat(64) } }]);
    const envelope = JSON.parse(await readFile(out, 'utf8')) as { payload: string };
    const statement = Buffer.from(envelope.payload, 'base64').toString().replace('"succeeded"', '"failed"');
    await writeFile(out, JSON.stringify({ ...envelope, payload: Buffer.from(statement).toString('base64') }));
    const bad = await cli(['audit', 'verify', '--attestation', out, '--json']);
    assert.equal(bad.code, 1);
    assert.equal(json<{ code: string }>(bad).code, 'E_AUDIT_ATTESTATION_INVALID');
  }));
