/** The HTML report's timeline: attempts and times from the ledger, DAG layers, critical path. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildAuditReport, createLedgerSink, openLedger, policyDecisionInput, renderAuditReport } from '@rustchain/core';
import type { RunAuditEntry, StepAuditEntry } from '@rustchain/core';
import { runTimeline } from '../../../core/src/audit/timeline.ts';
import { withStateDir } from './helpers.ts';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(T0 + ms).toISOString();

function step(id: string, dependsOn: string[], start: number | null, end: number | null): StepAuditEntry {
  return {
    id, status: end === null ? 'skipped' : 'succeeded', attempts: start === null ? 0 : 1, durationMs: end === null || start === null ? null : end - start,
    outputsDigest: null, errorCode: null, type: 'noop', dependsOn, startedAt: start === null ? null : iso(start), finishedAt: end === null ? null : iso(end),
    attemptLog: start === null ? [] : [{ attempt: 1, startedAt: iso(start), finishedAt: end === null ? null : iso(end), outcome: 'succeeded', errorCode: null }],
  };
}

function run(steps: StepAuditEntry[], planned = true): RunAuditEntry {
  return {
    runId: 'r', mission: 'm.yaml', missionSha256: null, status: 'succeeded', startedAt: iso(0), finishedAt: null, durationMs: null, user: null, host: null,
    cancelReason: null, errorCode: null, firstSeq: 0, lastSeq: 0, plugins: {}, artifacts: [], policyDecisions: [], grant: null, sandboxFallbacks: [],
    plan: planned ? Object.fromEntries(steps.map((s) => [s.id, { type: s.type, dependsOn: s.dependsOn }])) : null, steps, calls: [],
  };
}

test('critical path follows the dependency that ended last; bars are ordered by start; layers by depth', () => {
  // a(0-100) → c(100-400); b(0-300) → d(300-350); the run ends with c: a → c is critical.
  const t = runTimeline(run([step('b', [], 0, 300), step('a', [], 0, 100), step('d', ['b'], 300, 350), step('c', ['a'], 100, 400)]));
  assert.deepEqual(t.criticalPath, ['a', 'c']);
  assert.equal(t.inferred, false);
  assert.deepEqual(t.bars.map((b) => [b.id, b.start, b.layer, b.critical]), [
    ['b', 0, 0, false], ['a', 0, 0, true], ['c', 100, 1, true], ['d', 300, 1, false],
  ]);
  assert.deepEqual(t.edges, [['b', 'd'], ['a', 'c']]);
  assert.equal(t.spanMs, 400);
});

test('without a recorded plan the path is inferred from timing', () => {
  const t = runTimeline(run([step('a', [], 0, 100), step('b', [], 0, 50), step('c', [], 120, 300)], false));
  assert.deepEqual([t.criticalPath, t.inferred], [['a', 'c'], true]);
});

test('a step that never ran has no bar times and is never on the path', () => {
  const t = runTimeline(run([step('a', [], 0, 100), step('skipped', ['a'], null, null)]));
  assert.deepEqual(t.criticalPath, ['a']);
  assert.deepEqual(t.bars.at(-1)?.start, null);
});

test('property: the critical path is a dependency chain ending with the step that ended last', () => {
  const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
    fc.tuple(
      fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 1, max: 500 }), { minLength: n, maxLength: n }),
    ));
  fc.assert(fc.property(dag, ([depPicks, durations]) => {
    // Step i depends only on earlier steps; it starts when its last dependency ends.
    const ends: number[] = [];
    const steps = durations.map((duration, i) => {
      const deps = i === 0 ? [] : [...new Set(depPicks[i]!.map((k) => k % i))];
      const start = Math.max(0, ...deps.map((d) => ends[d]!));
      ends.push(start + duration);
      return step(`s${i}`, deps.map((d) => `s${d}`), start, start + duration);
    });
    const t = runTimeline(run(steps));
    const last = Math.max(...ends);
    const byId = new Map(steps.map((s) => [s.id, s]));
    assert.equal(Date.parse(byId.get(t.criticalPath.at(-1)!)!.finishedAt!) - T0, last);
    for (let k = 1; k < t.criticalPath.length; k++) assert.ok(byId.get(t.criticalPath[k]!)!.dependsOn.includes(t.criticalPath[k - 1]!));
    assert.equal(byId.get(t.criticalPath[0]!)!.dependsOn.length, 0);
  }));
});

test('the ledger feeds the timeline: run.plan gives types and edges, each attempt is logged', async () => {
  await withStateDir(async (dir) => {
    const sink = createLedgerSink(await openLedger(dir));
    const runId = 'r1';
    sink.record({ runId, type: 'run.plan', payload: { steps: [{ id: 'a', type: 'command', dependsOn: [] }, { id: 'b', type: 'noop', dependsOn: ['a'] }] } });
    sink.onEvent({ type: 'run.started', runId, mission: 'm.yaml', missionSha256: 'ab', steps: 2 });
    sink.onEvent({ type: 'step.started', runId, stepId: 'a', attempt: 1 });
    sink.onEvent({ type: 'step.retried', runId, stepId: 'a', attempt: 1, delayMs: 1, error: { code: 'E_STEP_FAILED', message: 'x' } });
    sink.onEvent({ type: 'step.started', runId, stepId: 'a', attempt: 2 });
    sink.onEvent({ type: 'step.succeeded', runId, stepId: 'a', attempt: 2, durationMs: 2, outputs: {} });
    sink.onEvent({ type: 'step.started', runId, stepId: 'b', attempt: 1 });
    sink.onEvent({ type: 'step.failed', runId, stepId: 'b', attempt: 1, durationMs: 1, error: { code: 'E_STEP_FAILED', message: 'y' } });
    sink.record(policyDecisionInput(runId, { stepId: 'b', decision: 'denied', code: 'E_POLICY_PATH_DENIED' }));
    sink.record({ runId, type: 'policy.granted', payload: { configFile: null, flags: { allowRun: ['ls'] }, policySha256: 'sha256:ab', effective: { commands: { allow: ['ls'], shell: false }, limits: null } } });
    sink.onEvent({ type: 'run.finished', runId, status: 'failed', durationMs: 9 });
    await sink.close();
    const report = await buildAuditReport(dir, { runId });
    const [a, b] = report.runs[0]!.steps;
    assert.deepEqual([a?.type, a?.attemptLog.map((x) => [x.attempt, x.outcome, x.errorCode])], ['command', [[1, 'retried', 'E_STEP_FAILED'], [2, 'succeeded', null]]]);
    assert.deepEqual([b?.dependsOn, b?.attemptLog.map((x) => x.outcome)], [['a'], ['failed']]);
    assert.deepEqual(runTimeline(report.runs[0]!).criticalPath, ['a', 'b']);
    const html = renderAuditReport(report, 'html');
    assert.ok(html.startsWith('<!doctype html>'));
    // The grant (flags and effective policy) and the refusal, with its step and code.
    assert.match(html, /<p class="grant">Granted: no config; flags: allowRun=ls; policy sha256:ab<\/p>/);
    assert.match(html, /<td><code>commands\.allow<\/code><\/td><td>ls<\/td>/);
    assert.match(html, /<td><code>limits<\/code><\/td><td>default<\/td>/);
    assert.match(html, /<tr class="decision denied" data-step="b"><td>denied<\/td><td><code>b<\/code><\/td><td><code>E_POLICY_PATH_DENIED<\/code><\/td><\/tr>/);
    // Self-contained: no external scripts, styles or images.
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/);
  });
});
