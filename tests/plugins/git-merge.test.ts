import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import gitMerge from '@rustchain/plugin-git-merge';
import { rejectsWith } from '../core/capabilities/helpers.ts';
import { allowing, git, gitCtx, repo, runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface MergeOut {
  sha: string;
  merged_sha: string;
  fast_forward: boolean;
  merge_commit: boolean;
  already_up_to_date: boolean;
}

const run = (root: string, params: Record<string, unknown>) => runPlugin<MergeOut>(gitMerge, params, gitCtx(root, allowing(root, 'git')));
const head = (root: string) => git(root, 'rev-parse', 'HEAD').trim();

/** main and `side` both change `file` from a common base: `main.txt` / `side.txt` or the same file. */
async function diverged(t: Parameters<typeof repo>[0], conflicting: boolean): Promise<string> {
  const root = await repo(t, { 'f.txt': 'base\n' });
  git(root, 'checkout', '-q', '-b', 'side');
  write(root, conflicting ? { 'f.txt': 'side\n' } : { 'side.txt': 's\n' });
  git(root, 'add', '--all');
  git(root, 'commit', '-qm', 'side');
  git(root, 'checkout', '-q', 'main');
  write(root, conflicting ? { 'f.txt': 'main\n' } : { 'main.txt': 'm\n' });
  git(root, 'add', '--all');
  git(root, 'commit', '-qm', 'main');
  return root;
}

test('git_merge: a fast-forward', async (t) => {
  const root = await repo(t);
  git(root, 'checkout', '-q', '-b', 'feature');
  write(root, { 'x.txt': 'x\n' });
  git(root, 'add', 'x.txt');
  git(root, 'commit', '-qm', 'x');
  const tip = head(root);
  git(root, 'checkout', '-q', 'main');
  const out = await run(root, { branch: 'feature' });
  assert.deepEqual([out.fast_forward, out.merge_commit, out.already_up_to_date, out.sha, out.merged_sha], [true, false, false, tip, tip]);
  const again = await run(root, { branch: 'feature' });
  assert.equal(again.already_up_to_date, true);
});

test('git_merge: no_ff and diverged branches create a merge commit with the given message', async (t) => {
  const root = await diverged(t, false);
  const out = await run(root, { branch: 'side', message: 'merge side in' });
  assert.deepEqual([out.fast_forward, out.merge_commit], [false, true]);
  assert.equal(out.sha, head(root));
  assert.equal(git(root, 'log', '-1', '--format=%s').trim(), 'merge side in');
  assert.equal(git(root, 'rev-list', '--parents', '-n1', 'HEAD').trim().split(' ').length, 3);
});

test('git_merge: a conflict fails with the paths and leaves the repository clean', async (t) => {
  const root = await diverged(t, true);
  const before = head(root);
  const error = await rejectsWith(run(root, { branch: 'side' }), 'E_GIT_MERGE_CONFLICT');
  assert.deepEqual(error.details['conflicts'], ['f.txt']);
  assert.equal(error.details['aborted'], true);
  assert.equal(git(root, 'status', '--porcelain'), '');
  assert.equal(head(root), before);
  assert.equal(readFileSync(join(root, 'f.txt'), 'utf8'), 'main\n');
});

test('git_merge: abort_on_conflict: false leaves the merge in progress', async (t) => {
  const root = await diverged(t, true);
  const error = await rejectsWith(run(root, { branch: 'side', abort_on_conflict: false }), 'E_GIT_MERGE_CONFLICT');
  assert.equal(error.details['aborted'], false);
  assert.match(git(root, 'status', '--porcelain'), /^UU f\.txt$/m);
});

test('git_merge: ff_only, unknown and option-like branches, local changes', async (t) => {
  const root = await diverged(t, true);
  await rejectsWith(run(root, { branch: 'side', ff_only: true }), 'E_GIT_NOT_FAST_FORWARD');
  await rejectsWith(run(root, { branch: 'nope' }), 'E_GIT_REF_NOT_FOUND');
  await rejectsWith(run(root, { branch: '--continue' }), 'E_GIT_INVALID_ARGUMENT');
  write(root, { 'f.txt': 'dirty\n' });
  await rejectsWith(run(root, { branch: 'side' }), 'E_GIT_LOCAL_CHANGES');
  assert.equal(readFileSync(join(root, 'f.txt'), 'utf8'), 'dirty\n');
});

test('git_merge: through the engine; refused statically without git', async (t) => {
  const root = await diverged(t, false);
  const before = head(root);
  const denied = await runThroughEngine(gitMerge, { branch: 'side' }, allowing(root, 'ls'), root);
  assert.deepEqual([denied.result, denied.denied.includes('E_POLICY_COMMAND_DENIED')], [null, true]);
  assert.equal(head(root), before);
  const ok = await runThroughEngine(gitMerge, { branch: 'side', no_ff: true }, allowing(root, 'git'), root);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.notEqual(head(root), before);
  const conflict = await diverged(t, true);
  const failed = await runThroughEngine(gitMerge, { branch: 'side' }, allowing(conflict, 'git'), conflict);
  assert.equal(failed.result?.steps[0]?.error?.code, 'E_GIT_MERGE_CONFLICT');
});
