import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { RunEvent } from '@rustchain/core';
import { stylesFor } from '../../cli/src/report/colour.ts';
import { eventLine } from '../../cli/src/report/progress-lines.ts';
import { createLiveReporter } from '../../cli/src/report/progress-live.ts';

/** step.progress (ctx.progress, e.g. a streamed llm reply): the running step's last line in the live view; no line of its own. */

test('live view: a running step shows the last line of its progress text; the line reporter prints none', () => {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  const reporter = createLiveReporter(stream, ['ask'], stylesFor({ isTTY: false }, {}), () => 1000);
  const runId = 'r';
  const events: RunEvent[] = [
    { type: 'run.started', runId, mission: 'm', missionSha256: 'x', steps: 1 },
    { type: 'step.started', runId, stepId: 'ask', attempt: 1 },
    { type: 'step.progress', runId, stepId: 'ask', attempt: 1, text: 'first line\nthe model is typing' },
  ];
  for (const e of events) reporter.onEvent(e);
  reporter.finish();
  assert.match(text, /▸ ask +running.*the model is typing/);
  assert.ok(!text.includes('first line'));
  assert.equal(eventLine(events[2]!), null);
});
