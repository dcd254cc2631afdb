/**
 * `rustchain mission execute` on a terminal: the CLI runs in a pseudo-terminal (node-pty), so
 * it draws the live view (running / queued counts, each step's status, attempt and duration),
 * colours it, and ends with a coloured summary in which the failed command shows its error and
 * the last lines of its stderr.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { BIN, tempProject } from './harness.ts';

const require = createRequire(import.meta.url);

const MISSION = `version: "1.0"
name: tty
steps:
  - id: warmup
    step_type: command
    parameters: { command: sleep, args: ["0.8"] }
  - id: side
    step_type: command
    parameters: { command: sleep, args: ["1.2"] }
  - id: list
    step_type: command
    depends_on: [warmup]
    parameters: { command: ls, args: ["/nonexistent-rustchain-dir"] }
  - id: after
    step_type: noop
    depends_on: [list]
config:
  fail_fast: false
`;

// eslint-disable-next-line no-control-regex
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

test('on a TTY: live view with counts, colours, and a summary showing the failed command and its stderr', async (t) => {
  let pty: typeof import('@lydell/node-pty');
  try {
    pty = require('@lydell/node-pty') as typeof import('@lydell/node-pty');
  } catch (error) {
    t.skip(`@lydell/node-pty cannot load: ${(error as Error).message}`);
    return;
  }
  const project = await tempProject({ 'tty.yaml': MISSION });
  t.after(() => project.cleanup());
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !['CI', 'NO_COLOR', 'FORCE_COLOR', 'NODE_TEST_CONTEXT'].includes(key)) env[key] = value;
  const child = pty.spawn(process.execPath, [BIN, 'mission', 'execute', '--allow-run=sleep,ls', 'tty.yaml'], {
    cols: 100, rows: 30, cwd: project.dir, env: { ...env, TERM: 'xterm-256color', RUSTCHAIN_HOME: project.home },
  });
  let raw = '';
  child.onData((data) => (raw += data));
  const exitCode = await new Promise<number>((resolve) => child.onExit(({ exitCode: code }) => resolve(code)));
  const text = stripAnsi(raw);

  assert.equal(exitCode, 1, text);
  // The live view, not the timestamped lines of a pipe.
  assert.doesNotMatch(text, /^\[\d\d:\d\d:\d\d\.\d{3}\]/m);
  assert.match(text, /2 running · 2 queued · 0 succeeded/, 'both sleeps running, the rest queued');
  assert.match(text, /▸ warmup +running/);
  assert.match(text, /✗ list +failed +\d+ ms {2}E_COMMAND_EXIT_NONZERO/);
  // Colours: red for the failure, green for successes.
  assert.ok(raw.includes('\u001b[31m'), 'red');
  assert.ok(raw.includes('\u001b[32m'), 'green');
  // The summary: the failed command with its stderr, the skipped dependent, outputs exactly.
  assert.match(text, /✗ run [0-9a-f-]{36} failed in /);
  assert.match(text, /✗ list failed \(E_COMMAND_EXIT_NONZERO: `ls` exited with status 2\)\n +stderr:\n +│ .*nonexistent-rustchain-dir.*No such file or directory/);
  assert.match(text, /- after skipped \(E_UPSTREAM_FAILED/);
  assert.match(text, /✓ warmup succeeded\n +stdout = ""\n +stderr = ""\n +exit_code = 0/);
});
