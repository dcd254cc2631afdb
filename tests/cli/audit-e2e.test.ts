/** End to end: the quickstart runs, its ledger verifies; one edited byte makes verify exit 1. */
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditPaths } from '@rustchain/core';
import type { VerifyReport } from '@rustchain/core';
import { json, REPO, runCli, tempProject } from './harness.ts';

test('quickstart → audit verify exits 0 → edit one byte of the ledger → audit verify exits 1 naming the seq', async () => {
  const { dir, home, cleanup } = await tempProject();
  try {
    await copyFile(join(REPO, 'examples', 'quickstart.yaml'), join(dir, 'quickstart.yaml'));
    const run = await runCli(['mission', 'execute', 'quickstart.yaml', '--allow-run=wc,cat,echo', '--json'], { cwd: dir, home });
    assert.equal(run.code, 0, run.stderr);
    const { runId } = json<{ runId: string }>(run);

    const ok = await runCli(['audit', 'verify', '--json'], { cwd: dir, home });
    assert.equal(ok.code, 0, ok.stderr);
    const intact = json<VerifyReport>(ok);
    assert.deepEqual([intact.ok, intact.problem], [true, null]);
    assert.ok(intact.events >= 2 + 2 * 5, `a started and a finished event per step, saw ${intact.events}`);

    const report = await runCli(['audit', 'report', '--run', runId, '--json'], { cwd: dir, home });
    assert.equal(report.code, 0, report.stderr);
    const steps = json<{ runs: Array<{ status: string; steps: Array<{ id: string; status: string }> }> }>(report).runs[0];
    assert.equal(steps?.status, 'succeeded');
    assert.deepEqual(steps?.steps.map((s) => s.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);

    const text = await readFile(auditPaths(home).ledger, 'utf8');
    const at = text.indexOf('"durationMs":') + '"durationMs":'.length; // a digit inside some event
    const seq = text.slice(0, at).split('\n').length - 1;
    const digit = text[at] as string;
    await writeFile(auditPaths(home).ledger, `${text.slice(0, at)}${digit === '9' ? '8' : String(Number(digit) + 1)}${text.slice(at + 1)}`);
    const bad = await runCli(['audit', 'verify', '--json'], { cwd: dir, home });
    assert.equal(bad.code, 1, bad.stdout);
    const broken = json<VerifyReport>(bad);
    assert.deepEqual([broken.ok, broken.problem, broken.code, broken.firstBadSeq], [false, 'modified', 'E_AUDIT_CHAIN_BROKEN', seq]);
  } finally {
    await cleanup();
  }
});
