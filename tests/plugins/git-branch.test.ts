import assert from 'node:assert/strict';
import { test } from 'node:test';
import gitBranch from '@rustchain/plugin-git-branch';
import { rejectsWith } from '../core/capabilities/helpers.ts';
import { allowing, git, gitCtx, repo, runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface BranchOut {
  branch: string;
  created: boolean;
  checked_out: boolean;
  sha: string | null;
  previous: string | null;
}

const run = (root: string, params: Record<string, unknown>) => runPlugin<BranchOut>(gitBranch, params, gitCtx(root, allowing(root, 'git')));
const current = (root: string) => git(root, 'symbolic-ref', '--short', 'HEAD').trim();

test('git_branch: creates and switches by default, like the original checkout -b', async (t) => {
  const root = await repo(t);
  const out = await run(root, { branch: 'feature/x' });
  assert.deepEqual(out, { branch: 'feature/x', created: true, checked_out: true, sha: git(root, 'rev-parse', 'HEAD').trim(), previous: 'main' });
  assert.equal(current(root), 'feature/x');
});

test('git_branch: checkout: false only creates; start_point is honoured', async (t) => {
  const root = await repo(t, { 'a.txt': '1\n' });
  const first = git(root, 'rev-parse', 'HEAD').trim();
  write(root, { 'a.txt': '2\n' });
  git(root, 'commit', '-qam', 'second');
  const out = await run(root, { branch: 'old', start_point: 'HEAD~1', checkout: false });
  assert.equal(out.sha, first);
  assert.equal(out.checked_out, false);
  assert.equal(current(root), 'main');
});

test('git_branch: existing, invalid, option-like names and an unknown start point have their codes', async (t) => {
  const root = await repo(t);
  await rejectsWith(run(root, { branch: 'main' }), 'E_GIT_BRANCH_EXISTS');
  await rejectsWith(run(root, { branch: 'a..b' }), 'E_GIT_INVALID_REF');
  await rejectsWith(run(root, { branch: 'bad name' }), 'E_GIT_INVALID_REF');
  await rejectsWith(run(root, { branch: '-D' }), 'E_GIT_INVALID_ARGUMENT');
  await rejectsWith(run(root, { branch: 'ok', start_point: '--orphan' }), 'E_GIT_INVALID_ARGUMENT');
  await rejectsWith(run(root, { branch: 'ok', start_point: 'nope' }), 'E_GIT_REF_NOT_FOUND');
  assert.equal(git(root, 'branch', '--list').trim(), '* main', 'no branch was created');
});

test('git_branch: local changes that a switch would overwrite are E_GIT_LOCAL_CHANGES', async (t) => {
  const root = await repo(t, { 'a.txt': '1\n' });
  git(root, 'branch', 'base');
  write(root, { 'a.txt': '2\n' });
  git(root, 'commit', '-qam', 'second');
  write(root, { 'a.txt': 'dirty\n' });
  await rejectsWith(run(root, { branch: 'from-base', start_point: 'base' }), 'E_GIT_LOCAL_CHANGES');
  assert.equal(current(root), 'main');
});

test('git_branch: through the engine; refused statically without git; nothing created', async (t) => {
  const root = await repo(t);
  const denied = await runThroughEngine(gitBranch, { branch: 'x' }, allowing(root), root);
  assert.deepEqual([denied.result, denied.denied.includes('E_POLICY_COMMAND_DENIED')], [null, true]);
  assert.equal(git(root, 'branch', '--list', 'x').trim(), '');
  const ok = await runThroughEngine(gitBranch, { branch: 'x', path: '.' }, allowing(root, 'git'), root);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.equal(current(root), 'x');
});
