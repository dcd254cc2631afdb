import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { RunEvent, StepError } from '@rustchain/core';
import { createLineReporter, eventLine } from '../../cli/src/report/progress-lines.ts';
import { stylesFor } from '../../cli/src/report/colour.ts';
import { createLiveReporter, liveFrame } from '../../cli/src/report/progress-live.ts';

const PLAIN = stylesFor({ isTTY: false }, {});

/** A Writable that keeps what it is given. */
function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { stream, text: () => text };
}

const error: StepError = { code: 'E_COMMAND_EXIT_NONZERO', message: 'exit 1' };
const runId = 'r1';
const EVENTS: RunEvent[] = [
  { type: 'run.started', runId, mission: 'm.yaml', missionSha256: 'x', steps: 3 },
  { type: 'step.started', runId, stepId: 'a', attempt: 1 },
  { type: 'step.retried', runId, stepId: 'a', attempt: 1, delayMs: 500, error },
  { type: 'step.started', runId, stepId: 'a', attempt: 2 },
  { type: 'step.succeeded', runId, stepId: 'a', attempt: 2, durationMs: 12.4, outputs: {} },
  { type: 'step.started', runId, stepId: 'b', attempt: 1 },
  { type: 'step.failed', runId, stepId: 'b', attempt: 1, durationMs: 1500, error },
  { type: 'step.skipped', runId, stepId: 'c', error: { code: 'E_UPSTREAM_FAILED', message: 'b failed' } },
  { type: 'run.finished', runId, status: 'failed', durationMs: 2000 },
];

describe('progress displays', () => {
  it('every event type has a line (the switch is exhaustive)', () => {
    for (const event of EVENTS) assert.notEqual(eventLine(event), null, event.type);
  });

  it('line mode: one timestamped line per event, durations rounded', () => {
    const out = sink();
    const reporter = createLineReporter(out.stream, () => new Date(2026, 0, 1, 12, 0, 1, 234));
    for (const event of EVENTS) reporter.onEvent(event);
    reporter.finish();
    const lines = out.text().trimEnd().split('\n');
    assert.equal(lines.length, EVENTS.length);
    for (const line of lines) assert.match(line, /^\[12:00:01\.234\] /);
    assert.ok(lines.includes('[12:00:01.234] ✓ a (12 ms)'));
    assert.ok(lines.includes('[12:00:01.234] ✗ b (1.5 s): E_COMMAND_EXIT_NONZERO exit 1'));
  });

  it('live mode: a header of counts, then every step with its final status, attempt and duration, then the run', () => {
    const out = sink();
    let now = 1000;
    const reporter = createLiveReporter(out.stream, ['a', 'b', 'c'], PLAIN, () => now);
    for (const event of EVENTS) {
      reporter.onEvent(event);
      now += 10;
    }
    reporter.finish();
    const text = out.text();
    assert.ok(text.includes('0 running · 0 queued · 1 succeeded · 1 failed · 1 skipped or cancelled'));
    assert.match(text, /✓ a +succeeded +12 ms {2}attempt 2/);
    assert.match(text, /✗ b +failed +1\.5 s {2}E_COMMAND_EXIT_NONZERO: exit 1/);
    assert.match(text, /run failed in 2\.0 s/);
  });

  it('live frame: counts running and queued steps; the attempt of a retried step; long notes on one logical line', () => {
    const rows = [
      { id: 'a', state: 'running' as const, attempt: 2, startedAt: 0, durationMs: 0, note: '' },
      { id: 'b', state: 'queued' as const, attempt: 0, startedAt: 0, durationMs: 0, note: '' },
      { id: 'c', state: 'failed' as const, attempt: 1, startedAt: 0, durationMs: 1500, note: `E_COMMAND_EXIT_NONZERO: ${'x'.repeat(300)}` },
    ];
    const frame = liveFrame(rows, '', PLAIN, 1200, 24).split('\n');
    assert.equal(frame[0], '1 running · 1 queued · 0 succeeded · 1 failed');
    assert.match(frame[1] ?? '', /^▸ a +running +1\.2 s {2}attempt 2$/);
    assert.match(frame[2] ?? '', /^· b +queued/);
    assert.match(frame[3] ?? '', /^✗ c +failed +1\.5 s {2}E_COMMAND_EXIT_NONZERO: x+$/);
    assert.equal(frame.length, 4);
  });

  it('live frame: more steps than terminal rows keeps running and failed steps in view and counts the rest', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, state: i === 35 ? ('running' as const) : i === 36 ? ('failed' as const) : ('succeeded' as const), attempt: 1, startedAt: 0, durationMs: 5, note: '' }));
    const frame = liveFrame(rows, 'footer', PLAIN, 10, 10).split('\n');
    assert.ok(frame.length <= 10);
    assert.ok(frame.some((l) => l.includes('s35')) && frame.some((l) => l.includes('s36')));
    assert.match(frame.at(-2) ?? '', /… \d+ more steps/);
  });
});

describe('child steps in the progress displays', () => {
  it('live mode: a child step (tool, agent, chain) gets its own row under its parent', () => {
    const out = sink();
    const reporter = createLiveReporter(out.stream, ['p', 'q'], PLAIN, () => 1000);
    const events: RunEvent[] = [
      { type: 'step.started', runId, stepId: 'p', attempt: 1 },
      { type: 'step.started', runId, stepId: 'p/one', attempt: 1 },
      { type: 'step.succeeded', runId, stepId: 'p/one', attempt: 1, durationMs: 5, outputs: {} },
      { type: 'step.started', runId, stepId: 'p/two', attempt: 1 },
      { type: 'step.failed', runId, stepId: 'p/two', attempt: 1, durationMs: 5, error },
      { type: 'step.failed', runId, stepId: 'p', attempt: 1, durationMs: 9, error },
      { type: 'step.started', runId, stepId: 'orphan/x', attempt: 1 },
    ];
    for (const event of events) reporter.onEvent(event);
    reporter.finish();
    const frame = out.text().split('\n');
    const order = ['p ', 'p/one', 'p/two', 'q '].map((id) => frame.findLastIndex((l) => l.includes(` ${id}`)));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), order.join(','));
    assert.ok(!out.text().includes('orphan/x'));
  });
});
