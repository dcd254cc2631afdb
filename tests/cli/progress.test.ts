import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { RunEvent, StepError } from '@rustchain/core';
import { createLineReporter, eventLine } from '../../cli/src/report/progress-lines.ts';
import { createLiveReporter } from '../../cli/src/report/progress-live.ts';

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

  it('live mode: the last frame shows every step with its final status, then the run', () => {
    const out = sink();
    let now = 1000;
    const reporter = createLiveReporter(out.stream, ['a', 'b', 'c'], () => now);
    for (const event of EVENTS) {
      reporter.onEvent(event);
      now += 10;
    }
    reporter.finish();
    const text = out.text();
    const frame = text.slice(text.lastIndexOf('\u001b[0J') + 4).trimEnd().split('\n');
    assert.equal(frame.length, 4); // three steps and the footer
    assert.match(frame[0] ?? '', /^✓ a +succeeded/);
    assert.match(frame[1] ?? '', /^✗ b +failed/);
    assert.match(frame[2] ?? '', /^- c +skipped/);
    assert.match(frame[3] ?? '', /run failed/);
  });
});
