import assert from 'node:assert/strict';
import { test } from 'node:test';
import gitCommit from '@rustchain/plugin-git-commit';
import { rejectsWith } from '../core/capabilities/helpers.ts';
import { allowing, git, gitCtx, repo, runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface CommitOut {
  sha: string;
  short_sha: string;
  summary: string;
  message: string;
  author: string;
  committed: boolean;
}

const run = (root: string, params: Record<string, unknown>) => runPlugin<CommitOut>(gitCommit, params, gitCtx(root, allowing(root, 'git')));
const tracked = (root: string, rev = 'HEAD') => git(root, 'show', '--name-only', '--format=', rev).trim().split('\n').filter(Boolean).sort();

test('git_commit: stages everything under path like the original (untracked included) and returns the sha', async (t) => {
  const root = await repo(t, { 'a.txt': 'a\n' });
  write(root, { 'a.txt': 'a2\n', 'new.txt': 'n\n' });
  const out = await run(root, { message: 'feat: two files\n\nbody line\n# not a comment' });
  assert.equal(out.sha, git(root, 'rev-parse', 'HEAD').trim());
  assert.ok(out.sha.startsWith(out.short_sha));
  assert.equal(out.summary, 'feat: two files');
  assert.equal(out.author, 'Test User <test@example.com>');
  assert.equal(out.committed, true);
  assert.deepEqual(tracked(root), ['a.txt', 'new.txt']);
  // the message went in verbatim (stdin, whitespace cleanup only: '#' lines are kept)
  assert.equal(git(root, 'log', '-1', '--format=%B').trim(), 'feat: two files\n\nbody line\n# not a comment');
  assert.equal(git(root, 'status', '--porcelain'), '');
});

test('git_commit: all: false commits only what is staged; paths commits only those paths', async (t) => {
  const root = await repo(t, { 'a.txt': 'a\n', 'b.txt': 'b\n' });
  write(root, { 'a.txt': 'a2\n', 'b.txt': 'b2\n' });
  git(root, 'add', 'a.txt');
  await run(root, { message: 'only a', all: false });
  assert.deepEqual(tracked(root), ['a.txt']);
  write(root, { 'c.txt': 'c\n' });
  await run(root, { message: 'only c', paths: ['c.txt'] });
  assert.deepEqual(tracked(root), ['c.txt']);
  assert.match(git(root, 'status', '--porcelain'), /^ M b\.txt$/m);
});

test('git_commit: nothing to commit has its own code; allow_empty commits anyway; author is honoured', async (t) => {
  const root = await repo(t);
  const error = await rejectsWith(run(root, { message: 'nothing' }), 'E_GIT_NOTHING_TO_COMMIT');
  assert.equal(typeof error.details['root'], 'string');
  const out = await run(root, { message: 'empty on purpose', allow_empty: true, author: 'Bot <bot@example.com>' });
  assert.equal(out.author, 'Bot <bot@example.com>');
  assert.equal(git(root, 'rev-list', '--count', 'HEAD').trim(), '2');
});

test('git_commit: a message that looks like an option or a shell command is just text', async (t) => {
  const root = await repo(t);
  write(root, { 'x.txt': 'x\n' });
  const out = await run(root, { message: '--amend $(touch pwned) `id`; rm -rf /' });
  assert.equal(out.summary, '--amend $(touch pwned) `id`; rm -rf /');
  assert.equal(git(root, 'rev-list', '--count', 'HEAD').trim(), '2');
});

test('git_commit: bad input and an unknown identity', async (t) => {
  const root = await repo(t);
  write(root, { 'x.txt': 'x\n' });
  await rejectsWith(run(root, { message: '   \n ' }), 'E_GIT_INVALID_ARGUMENT');
  git(root, 'config', '--unset', 'user.name');
  git(root, 'config', '--unset', 'user.email');
  git(root, 'config', 'user.useConfigOnly', 'true');
  await rejectsWith(run(root, { message: 'who am i' }), 'E_GIT_IDENTITY_UNKNOWN');
});

test('git_commit: needs a writable path; through the engine; refused statically without git', async (t) => {
  const root = await repo(t);
  write(root, { 'x.txt': 'x\n' });
  const readOnly = { ...allowing(root, 'git'), fs: { read: [root], write: [] } };
  await rejectsWith(runPlugin(gitCommit, { message: 'm' }, gitCtx(root, readOnly)), 'E_POLICY_PATH_DENIED');
  const denied = await runThroughEngine(gitCommit, { message: 'm' }, allowing(root, 'echo'), root);
  assert.deepEqual([denied.result, denied.denied.includes('E_POLICY_COMMAND_DENIED')], [null, true]);
  assert.equal(git(root, 'rev-list', '--count', 'HEAD').trim(), '1', 'nothing ran');
  const ok = await runThroughEngine(gitCommit, { message: 'via engine' }, allowing(root, 'git'), root);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.equal((ok.result?.steps[0]?.outputs as CommitOut | undefined)?.sha, git(root, 'rev-parse', 'HEAD').trim());
});
