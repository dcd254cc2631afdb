/**
 * scripts/test-reporter.mjs (what `npm test` prints): run on a tiny fixture suite with a failed
 * assertion, a file that fails to load, a skip and a green file. A reader (and CI) sees each
 * file's line, each failure with its assertion and file:line:col, the test's output, the
 * counts, and no raw TAP; the counters line run-tests.mjs reads matches node's own counts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(REPO, 'tests', 'scripts', 'fixtures', 'reporter');

function runFixtures(files: string[], reporter: string[]): { code: number | null; stdout: string } {
  // Without NODE_TEST_CONTEXT the child is a test run of its own, not a subtest of this one.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawnSync(process.execPath, ['--test', ...reporter, ...files], { cwd: FIXTURES, env: { ...env, RUSTCHAIN_TEST_COLOR: '0' }, encoding: 'utf8' });
  return { code: child.status, stdout: child.stdout };
}

const SUMMARY = [`--test-reporter=${join(REPO, 'scripts', 'test-reporter.mjs')}`, '--test-reporter-destination=stdout'];

test('a failing suite: file lines, each failure with its assertion and position, counts, exit 1, no TAP', () => {
  const { code, stdout } = runFixtures(['failing.test.mjs', 'passing.test.mjs', 'broken.test.mjs'], SUMMARY);
  assert.equal(code, 1);
  assert.doesNotMatch(stdout, /TAP version|^ok \d|^not ok/m);
  assert.match(stdout, /^✖ failing\.test\.mjs \(3 tests, 1 failed, 1 skipped, /m);
  assert.match(stdout, /^✔ passing\.test\.mjs \(2 tests, /m);
  assert.match(stdout, /^✖ broken\.test\.mjs \(0 tests, 1 failed, /m);
  // The assertion failure: its suite path, where the test is, the message, the failing line.
  assert.match(stdout, /\) widgets › counts widgets\n {3}failing\.test\.mjs:7:3\n {3}AssertionError: widget count is off/);
  assert.match(stdout, /at failing\.test\.mjs:9:12/);
  assert.match(stdout, /\| counting widgets now/);
  // The load error: the file itself, with what it printed.
  assert.match(stdout, /the test file itself[^\n]*\n {3}broken\.test\.mjs/);
  assert.match(stdout, /fixture failed to load/);
  assert.match(stdout, /^FAIL 3 files, 3 passed, 2 failed, 1 skipped in /m);
  assert.equal(stdout.trimEnd().split('\n').at(-1), '# pass 3 # fail 2 # cancelled 0 # skipped 1 # todo 0');
});

test('the counters agree with the TAP reporter on the same suite', () => {
  const tap = runFixtures(['failing.test.mjs', 'passing.test.mjs', 'broken.test.mjs'], ['--test-reporter=tap']).stdout;
  const summary = runFixtures(['failing.test.mjs', 'passing.test.mjs', 'broken.test.mjs'], SUMMARY).stdout;
  for (const name of ['pass', 'fail', 'cancelled', 'skipped', 'todo']) {
    const fromTap = new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1];
    const fromSummary = new RegExp(`# ${name} (\\d+)(?= #|$)`, 'm').exec(summary.trimEnd().split('\n').at(-1) ?? '')?.[1];
    assert.equal(fromSummary, fromTap, name);
  }
});

test('a green suite says PASS and exits 0', () => {
  const { code, stdout } = runFixtures(['passing.test.mjs'], SUMMARY);
  assert.equal(code, 0);
  assert.match(stdout, /^PASS 1 files, 2 passed, 0 failed, 0 skipped in /m);
  assert.doesNotMatch(stdout, /failure/);
});
