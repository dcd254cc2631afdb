/** The text summary's values and failures, and pino lines prettified for a terminal. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import type { MissionResult } from '@rustchain/core';
import { prettyLogLine } from '../../cli/src/log-pretty.ts';
import { stylesFor } from '../../cli/src/report/colour.ts';
import { printRunSummary } from '../../cli/src/report/run-result.ts';
import { formatValue, stderrTail } from '../../cli/src/report/step-text.ts';

const PLAIN = stylesFor({ isTTY: false }, {});

test('values are shown exactly: strings keep their whitespace; only a cut is marked, with what was left out', () => {
  assert.equal(formatValue('  padded \n'), '"  padded \\n"');
  assert.equal(formatValue({ a: [1, 2] }), '{"a":[1,2]}');
  const long = formatValue('x'.repeat(1000));
  assert.match(long, /^"x{299}… \(702 more chars\)$/);
  fc.assert(fc.property(fc.jsonValue(), (value) => {
    const text = formatValue(value);
    const json = JSON.stringify(value) ?? 'undefined';
    // Either the whole JSON, or a prefix of it followed by the marker.
    assert.ok(text === json || (text.startsWith(json.slice(0, 300)) && text.includes('… (')));
  }));
});

test("a failed command's stderr: the last lines, the count of those left out", () => {
  const error = { code: 'E_COMMAND_EXIT_NONZERO' as const, message: 'x', details: { outputs: { stderr: `${Array.from({ length: 15 }, (_, i) => `line ${i}`).join('\n')}\n` } } };
  assert.deepEqual(stderrTail(error), { lines: Array.from({ length: 10 }, (_, i) => `line ${i + 5}`), omitted: 5 });
  assert.deepEqual(stderrTail({ code: 'E_STEP_FAILED', message: 'x' }), { lines: [], omitted: 0 });
  assert.deepEqual(stderrTail({ code: 'E_COMMAND_EXIT_NONZERO', message: 'x', details: { stderr: 'only\n' } }).lines, ['only']);
});

test('the summary prints the failed step, its stderr and exact outputs; no colour into a pipe', () => {
  let text = '';
  const out = new Writable({ write(chunk: Buffer, _e, cb) { text += chunk.toString(); cb(); } });
  const result: MissionResult = {
    runId: 'r1', status: 'failed', durationMs: 17.27019899999999,
    steps: [
      { id: 'ok', status: 'succeeded', attempts: 1, durationMs: 1, outputs: { stdout: 'hi \n' }, error: null },
      { id: 'ls', status: 'failed', attempts: 1, durationMs: 1, outputs: {}, error: { code: 'E_COMMAND_EXIT_NONZERO', message: '`ls` exited with status 2', details: { outputs: { stderr: 'ls: x: No such file\n' } } } },
    ],
  };
  printRunSummary(result, out);
  assert.equal(text, [
    '✗ run r1 failed in 17 ms (1 succeeded, 1 failed, 0 skipped, 0 cancelled)',
    '  ✓ ok succeeded',
    '      stdout = "hi \\n"',
    '  ✗ ls failed (E_COMMAND_EXIT_NONZERO: `ls` exited with status 2)',
    '      stderr:',
    '      │ ls: x: No such file',
    '',
  ].join('\n'));
});

test('pino lines on a terminal: time, level, message, then the other fields; non-JSON passes through', () => {
  const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 1, 234), pid: 1, hostname: 'h', name: 'rustchain', msg: 'disk low', free: 12, where: { dir: '/x' } });
  assert.equal(prettyLogLine(`${line}\n`, PLAIN), '12:00:01.234 WARN  disk low free=12 where={"dir":"/x"}\n');
  assert.equal(prettyLogLine('not json', PLAIN), 'not json\n');
});
