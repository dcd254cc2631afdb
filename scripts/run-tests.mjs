#!/usr/bin/env node
// Node 20's `node --test` takes no globs and finds only .js files, so we list every
// *.test.ts ourselves and hand them over explicitly. Two groups run side by side: the
// ordinary files (120 s each at most: --test-timeout bounds a whole file, not only each test)
// and the slow ones (tests/e2e/, *.slow.test.ts: packed installs, fault and scale tests, and
// suites that start the CLI dozens of times, 60-110 s in CI; 20 min each), whose output is
// printed when they finish.
// The last line counts both: `total: N passed, N failed, N skipped`. Exits non-zero when any
// test failed or when no test was found: a run that executes nothing is not a passing run.
// Output is a summary for people (scripts/test-reporter.mjs: a line per file, then each failure
// with its assertion and file:line); RUSTCHAIN_TEST_TAP=1 prints node's raw TAP instead.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', '.git', '.rustchain', 'dist', 'fixtures']);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.test.ts')) yield relative(root, path);
  }
}

const filter = process.argv.slice(2);
const tap = process.env.RUSTCHAIN_TEST_TAP === '1';
const reporter = tap ? [] : [`--test-reporter=${join(root, 'scripts', 'test-reporter.mjs')}`, '--test-reporter-destination=stdout'];
const files = [...walk(root)]
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files found');
  process.exit(1);
}
// Property suites that drive the real CLI many times (kill-and-resume) run with the slow group.
const isSlow = (file) => file.startsWith('tests/e2e/') || file.endsWith('.slow.test.ts') || (file.startsWith('tests/cli/') && file.endsWith('.property.test.ts'));

// Ledger signing keys live in the user's config dir (XDG_CONFIG_HOME) and plugin digests are
// cached in XDG_CACHE_HOME: tests get throwaway ones.
const configHome = mkdtempSync(join(tmpdir(), 'rustchain-test-config-'));
const cacheHome = mkdtempSync(join(tmpdir(), 'rustchain-test-cache-'));
const env = {
  ...process.env,
  XDG_CONFIG_HOME: configHome,
  XDG_CACHE_HOME: cacheHome,
  // The CLI a test spawns runs the sources too (cli/bin picks dist/ without this condition).
  NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', '--conditions=@rustchain/source'].join(' ').trim(),
  // The summary reporter colours its output when we write to a terminal.
  ...(process.stdout.isTTY && process.env.NO_COLOR === undefined ? { RUSTCHAIN_TEST_COLOR: '1' } : {}),
};

/** The last `# <name> N` counter in a group's output (TAP ends with them; so does the summary reporter). */
function counter(output, name) {
  const all = [...output.matchAll(new RegExp(`^# ${name} (\\d+)$|# ${name} (\\d+)(?= #|$)`, 'gm'))];
  const last = all.at(-1);
  return Number(last?.[1] ?? last?.[2] ?? 0);
}

/** Runs one group; streams its output (or buffers it) and resolves with its counts. */
function runGroup(group, timeoutMs, stream) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@rustchain/source', '--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${timeoutMs}`, ...reporter, ...group], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (target) => (chunk) => {
      output += chunk;
      if (stream) target.write(chunk);
    };
    child.stdout.setEncoding('utf8').on('data', take(process.stdout));
    child.stderr.setEncoding('utf8').on('data', take(process.stderr));
    child.on('close', (code) => {
      if (!stream) process.stdout.write(output);
      const count = (name) => counter(output, name);
      resolve({ code, pass: count('pass'), fail: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') });
    });
  });
}

const normal = files.filter((f) => !isSlow(f));
const slow = files.filter(isSlow);
const results = await Promise.all([
  normal.length > 0 ? runGroup(normal, 120_000, true) : null,
  slow.length > 0 ? runGroup(slow, 1_200_000, normal.length === 0) : null,
]);
rmSync(configHome, { recursive: true, force: true });
rmSync(cacheHome, { recursive: true, force: true });
const done = results.filter((r) => r !== null);
const total = (key) => done.reduce((sum, r) => sum + r[key], 0);
console.log(`total: ${total('pass')} passed, ${total('fail')} failed, ${total('skipped')} skipped`);
const failed = done.some((r) => r.code !== 0) || total('fail') > 0;
process.exit(failed ? 1 : total('pass') === 0 ? 1 : 0);
