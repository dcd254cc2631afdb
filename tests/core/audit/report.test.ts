import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIT_REPORT_FORMATS, buildAuditReport, createLedgerSink, openLedger, policyDecisionInput, renderAuditReport } from '@rustchain/core';
import type { RunEvent } from '@rustchain/core';
import { withStateDir } from './helpers.ts';

test('the report folds a run: step status, attempts, durations, output digests, policy, plugins, digests', async () => {
  await withStateDir(async (dir) => {
    const sink = createLedgerSink(await openLedger(dir));
    const runId = 'r1';
    const error = { code: 'E_STEP_FAILED' as const, message: 'x' };
    sink.record({ runId, type: 'run.plugins', payload: { plugins: { '@rustchain/plugin-command': '0.1.0' } } });
    sink.record({ runId, type: 'run.artifact', payload: { kind: 'mission', path: 'm.yaml', sha256: 'ab' } });
    sink.record(policyDecisionInput(runId, { stepId: 'b', decision: 'denied', code: 'E_POLICY_COMMAND_DENIED' }));
    const events: RunEvent[] = [
      { type: 'run.started', runId, mission: 'm.yaml', missionSha256: 'ab', steps: 3 },
      { type: 'step.started', runId, stepId: 'a', attempt: 1 },
      { type: 'step.retried', runId, stepId: 'a', attempt: 1, delayMs: 5, error },
      { type: 'step.started', runId, stepId: 'a', attempt: 2 },
      { type: 'step.succeeded', runId, stepId: 'a', attempt: 2, durationMs: 7, outputs: { n: 1 } },
      { type: 'step.failed', runId, stepId: 'b', attempt: 1, durationMs: 3, error },
      { type: 'step.skipped', runId, stepId: 'c', error: { code: 'E_UPSTREAM_FAILED', message: 'b' } },
      { type: 'run.finished', runId, status: 'failed', durationMs: 20 },
      { type: 'run.started', runId: 'r2', mission: 'n.yaml', missionSha256: 'cd', steps: 0 },
    ];
    for (const e of events) sink.onEvent(e);
    await sink.close();

    const all = await buildAuditReport(dir);
    assert.deepEqual(all.runs.map((r) => [r.runId, r.status]), [['r1', 'failed'], ['r2', 'running']]);
    const { runs: [run], integrity } = await buildAuditReport(dir, { runId: 'r1' });
    assert.equal(integrity.ok, true);
    assert.ok(run);
    assert.deepEqual(run.steps.map((s) => [s.id, s.status, s.attempts, s.durationMs, s.errorCode]), [
      ['a', 'succeeded', 2, 7, null], ['b', 'failed', 1, 3, 'E_STEP_FAILED'], ['c', 'skipped', 0, null, 'E_UPSTREAM_FAILED'],
    ]);
    assert.match(run.steps[0]?.outputsDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(run.plugins, { '@rustchain/plugin-command': '0.1.0' });
    assert.deepEqual(run.artifacts, [{ kind: 'mission', path: 'm.yaml', sha256: 'ab' }]);
    assert.deepEqual(run.policyDecisions, [{ stepId: 'b', decision: 'denied', code: 'E_POLICY_COMMAND_DENIED' }]);
    assert.deepEqual([run.mission, run.missionSha256, run.durationMs], ['m.yaml', 'ab', 20]);
    assert.equal(typeof run.host, 'string');

    for (const format of AUDIT_REPORT_FORMATS) {
      const text = renderAuditReport({ integrity, runs: [run] }, format);
      for (const needle of ['r1', 'E_POLICY_COMMAND_DENIED', '@rustchain/plugin-command', run.steps[0]?.outputsDigest ?? '']) {
        assert.ok(text.includes(needle), `${format} output names ${needle}`);
      }
    }
    assert.deepEqual(JSON.parse(renderAuditReport({ integrity, runs: [run] }, 'json')).runs[0].runId, 'r1');
  });
});
