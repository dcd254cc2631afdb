import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import gitDiff from '@rustchain/plugin-git-diff';
import { rejectsWith } from '../core/capabilities/helpers.ts';
import { allowing, git, gitCtx, repo, runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface DiffOut {
  diff: string;
  truncated: boolean;
  has_changes: boolean;
  files: Array<{ path: string; additions: number; deletions: number; binary: boolean; orig_path?: string }>;
  totals: { files: number; additions: number; deletions: number };
}

const run = (root: string, params: Record<string, unknown> = {}) => runPlugin<DiffOut>(gitDiff, params, gitCtx(root, allowing(root, 'git')));

test('git_diff: working tree changes with per-file counts, a binary file and totals', async (t) => {
  const root = await repo(t, { 'a.txt': 'one\ntwo\nthree\n', 'bin.dat': 'x' });
  write(root, { 'a.txt': 'one\n2\nthree\nfour\n' });
  writeFileSync(join(root, 'bin.dat'), Buffer.from([0, 1, 2, 0, 255]));
  const out = await run(root);
  assert.equal(out.has_changes, true);
  assert.deepEqual(out.files, [
    { path: 'a.txt', additions: 2, deletions: 1, binary: false },
    { path: 'bin.dat', additions: 0, deletions: 0, binary: true },
  ]);
  assert.deepEqual(out.totals, { files: 2, additions: 2, deletions: 1 });
  assert.match(out.diff, /^\+four$/m);
  assert.equal(out.truncated, false);
});

test('git_diff: staged, against a ref, limited to paths; a rename keeps its old path', async (t) => {
  const root = await repo(t, { 'a.txt': 'a\n', 'b.txt': 'b\n', 'long.txt': 'same content for rename detection\n' });
  write(root, { 'a.txt': 'a2\n' });
  assert.equal((await run(root, { staged: true })).has_changes, false);
  git(root, 'add', 'a.txt');
  git(root, 'mv', 'long.txt', 'moved.txt');
  const staged = await run(root, { staged: true });
  assert.deepEqual(staged.files.map((f) => [f.path, f.orig_path]), [['a.txt', undefined], ['moved.txt', 'long.txt']]);
  git(root, 'commit', '-qm', 'second');
  write(root, { 'b.txt': 'b2\n' });
  const vsFirst = await run(root, { ref: 'HEAD~1', paths: ['a.txt', 'b.txt'] });
  assert.deepEqual(vsFirst.files.map((f) => f.path), ['a.txt', 'b.txt']);
  const range = await run(root, { ref: 'HEAD~1..HEAD', paths: ['b.txt'] });
  assert.equal(range.has_changes, false);
});

test('git_diff: the text is bounded at a line boundary; counts still cover everything', async (t) => {
  const root = await repo(t, { 'big.txt': '' });
  write(root, { 'big.txt': Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n') + '\n' });
  const out = await run(root, { max_bytes: 1000 });
  assert.equal(out.truncated, true);
  assert.ok(Buffer.byteLength(out.diff) <= 1000);
  assert.ok(out.diff.endsWith('\n'));
  assert.equal(out.totals.additions, 2000);
});

test('git_diff: refuses an option-like ref, reports an unknown ref, never runs an external diff', async (t) => {
  const root = await repo(t, { 'a.txt': 'a\n' });
  await rejectsWith(run(root, { ref: '--output=/tmp/pwned' }), 'E_GIT_INVALID_ARGUMENT');
  await rejectsWith(run(root, { ref: 'no-such-branch' }), 'E_GIT_REF_NOT_FOUND');
  const marker = join(root, 'ext-ran');
  writeFileSync(join(root, 'ext.sh'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
  git(root, 'config', 'diff.external', join(root, 'ext.sh'));
  write(root, { 'a.txt': 'changed\n' });
  assert.equal((await run(root)).has_changes, true);
  assert.equal((await import('node:fs')).existsSync(marker), false);
});

test('git_diff: through the engine; refused statically when git is not allowed', async (t) => {
  const root = await repo(t, { 'a.txt': 'a\n' });
  write(root, { 'a.txt': 'b\n' });
  const ok = await runThroughEngine(gitDiff, { path: '.' }, allowing(root, 'git'), root);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.equal((ok.result?.steps[0]?.outputs as DiffOut | undefined)?.totals.files, 1);
  const denied = await runThroughEngine(gitDiff, {}, allowing(root), root);
  assert.deepEqual([denied.result, denied.denied.includes('E_POLICY_COMMAND_DENIED')], [null, true]);
  await rejectsWith(run(root, { path: '/' }), 'E_POLICY_PATH_DENIED');
});
