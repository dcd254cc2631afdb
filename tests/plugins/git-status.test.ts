import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import gitStatus, { parsePorcelainV2 } from '@rustchain/plugin-git-status';
import { rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { allowing, git, gitCtx, repo, runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface StatusOut {
  branch: { head: string | null; upstream: string | null; ahead: number; behind: number; oid: string | null };
  entries: Array<{ path: string; index: string; worktree: string; kind: string; orig_path?: string }>;
  clean: boolean;
  counts: Record<string, number>;
  status: string;
  root: string;
}

test('git_status: a fresh commit is clean, with the branch and its oid', async (t) => {
  const root = await repo(t);
  const out = await runPlugin<StatusOut>(gitStatus, {}, gitCtx(root, allowing(root, 'git')));
  assert.equal(out.clean, true);
  assert.deepEqual(out.entries, []);
  assert.equal(out.branch.head, 'main');
  assert.equal(out.branch.oid, git(root, 'rev-parse', 'HEAD').trim());
  assert.equal(out.root, root);
});

test('git_status: modified, staged, renamed, untracked (with spaces) and ignored entries are parsed', async (t) => {
  const root = await repo(t, { 'a.txt': 'a\n', 'b.txt': 'b\n', 'old name.txt': 'same content here\n', '.gitignore': '*.log\n' });
  write(root, { 'a.txt': 'a2\n', 'c.txt': 'c\n', 'new dir/x y.txt': 'u\n', 'debug.log': 'l\n' });
  git(root, 'add', 'c.txt');
  renameSync(join(root, 'old name.txt'), join(root, 'new name.txt'));
  git(root, 'add', '--all', 'old name.txt', 'new name.txt');
  const out = await runPlugin<StatusOut>(gitStatus, { path: '.', include_ignored: true }, gitCtx(root, allowing(root, 'git')));
  const byPath = Object.fromEntries(out.entries.map((e) => [e.path, e]));
  assert.deepEqual(byPath['a.txt'], { path: 'a.txt', index: '.', worktree: 'M', kind: 'changed' });
  assert.deepEqual(byPath['c.txt'], { path: 'c.txt', index: 'A', worktree: '.', kind: 'changed' });
  assert.deepEqual(byPath['new name.txt'], { path: 'new name.txt', index: 'R', worktree: '.', kind: 'renamed', orig_path: 'old name.txt' });
  assert.deepEqual(byPath['new dir/x y.txt'], { path: 'new dir/x y.txt', index: '?', worktree: '?', kind: 'untracked' });
  assert.deepEqual(byPath['debug.log'], { path: 'debug.log', index: '!', worktree: '!', kind: 'ignored' });
  assert.deepEqual(out.counts, { staged: 2, unstaged: 1, untracked: 1, ignored: 1, unmerged: 0, total: 5 });
  assert.equal(out.clean, false);
  assert.match(out.status, /^R  old name\.txt -> new name\.txt$/m);
  // Without include_untracked, only tracked changes; ignored files alone keep a tree clean.
  const tracked = await runPlugin<StatusOut>(gitStatus, { include_untracked: false }, gitCtx(root, allowing(root, 'git')));
  assert.equal(tracked.counts['untracked'], 0);
});

test('git_status: upstream with ahead/behind, an unmerged path, a detached HEAD', async (t) => {
  const root = await repo(t, { 'f.txt': 'base\n' });
  git(root, 'branch', 'other');
  write(root, { 'f.txt': 'main side\n' });
  git(root, 'commit', '-qam', 'main');
  git(root, 'branch', '--set-upstream-to=other');
  let out = await runPlugin<StatusOut>(gitStatus, {}, gitCtx(root, allowing(root, 'git')));
  assert.equal(out.branch.upstream, 'other');
  assert.deepEqual([out.branch.ahead, out.branch.behind], [1, 0]);
  git(root, 'checkout', '-q', 'other');
  write(root, { 'f.txt': 'other side\n' });
  git(root, 'commit', '-qam', 'other');
  try {
    git(root, 'merge', 'main');
  } catch {
    // the conflict is the point
  }
  out = await runPlugin<StatusOut>(gitStatus, {}, gitCtx(root, allowing(root, 'git')));
  assert.deepEqual(out.entries, [{ path: 'f.txt', index: 'U', worktree: 'U', kind: 'unmerged' }]);
  assert.equal(out.counts['unmerged'], 1);
  git(root, 'merge', '--abort');
  git(root, 'checkout', '-q', '--detach');
  out = await runPlugin<StatusOut>(gitStatus, {}, gitCtx(root, allowing(root, 'git')));
  assert.equal(out.branch.head, null);
});

test('git_status: the parser keeps spaces and tolerates unknown records', () => {
  const parsed = parsePorcelainV2('# branch.oid (initial)\0# branch.head main\0? a b c\0x future record\0');
  assert.deepEqual(parsed.branch, { head: 'main', upstream: null, ahead: 0, behind: 0, oid: null });
  assert.deepEqual(parsed.entries, [{ path: 'a b c', index: '?', worktree: '?', kind: 'untracked' }]);
});

test('git_status: errors — not a repository, missing path, path outside the roots, git not allowed', async (t) => {
  const root = await tempDir(t, 'rc-git-plain-');
  const policy = allowing(root, 'git');
  await rejectsWith(runPlugin(gitStatus, {}, gitCtx(root, policy)), 'E_GIT_NOT_A_REPOSITORY');
  await rejectsWith(runPlugin(gitStatus, { path: 'missing' }, gitCtx(root, policy)), 'E_FS_NOT_FOUND');
  await rejectsWith(runPlugin(gitStatus, { path: '..' }, gitCtx(root, policy)), 'E_POLICY_PATH_DENIED');
  await rejectsWith(runPlugin(gitStatus, {}, gitCtx(root, allowing(root, 'echo'))), 'E_POLICY_COMMAND_DENIED');
});

test('git_status: a subdirectory whose repository lies outside the policy roots is refused', async (t) => {
  const root = await repo(t);
  write(root, { 'inner/f.txt': 'x\n' });
  const inner = join(root, 'inner');
  await rejectsWith(runPlugin(gitStatus, {}, gitCtx(inner, allowing(inner, 'git'))), 'E_POLICY_PATH_DENIED');
});

test('git_status: a repository config naming an fsmonitor program does not run it', async (t) => {
  const root = await repo(t);
  const marker = join(root, 'fsmonitor-ran');
  writeFileSync(join(root, 'hook.sh'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
  git(root, 'config', 'core.fsmonitor', join(root, 'hook.sh'));
  await runPlugin(gitStatus, {}, gitCtx(root, allowing(root, 'git')));
  assert.equal((await import('node:fs')).existsSync(marker), false);
});

test('git_status: through the engine, and refused by the static policy check when git is not allowed', async (t) => {
  const root = await repo(t);
  const ok = await runThroughEngine(gitStatus, { path: '.' }, allowing(root, 'git'), root);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.equal((ok.result?.steps[0]?.outputs as { clean?: boolean } | undefined)?.clean, true);
  const denied = await runThroughEngine(gitStatus, { path: '.' }, allowing(root, 'echo'), root);
  assert.equal(denied.result, null);
  assert.ok(denied.denied.includes('E_POLICY_COMMAND_DENIED'));
  // argument rules see the exact argv the step runs
  const ruled = allowing(root, 'git');
  const rules = { ...ruled, commands: { ...ruled.commands, rules: [{ command: 'git', args: ['rev-parse *', 'status *'] }] } };
  assert.equal((await runThroughEngine(gitStatus, {}, rules, root)).result?.status, 'succeeded');
  const onlyLog = { ...ruled, commands: { ...ruled.commands, rules: [{ command: 'git', args: ['log *'] }] } };
  assert.ok((await runThroughEngine(gitStatus, {}, onlyLog, root)).denied.includes('E_POLICY_COMMAND_DENIED'));
});

test('git_status: property — any path (spaces, unicode, arrows) survives every record kind', () => {
  const path = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0'));
  fc.assert(
    fc.property(path, path, (a, b) => {
      const output = [
        '# branch.oid 0123456789abcdef0123456789abcdef01234567',
        '# branch.head main',
        `1 .M N... 100644 100644 100644 aaaa aaaa ${a}`,
        `2 R. N... 100644 100644 100644 aaaa aaaa R100 ${b}`,
        a,
        `u UU N... 100644 100644 100644 100644 aaaa bbbb cccc ${b}`,
        `? ${a}`,
        '',
      ].join('\0');
      const { entries } = parsePorcelainV2(output);
      assert.deepEqual(entries.map((e) => [e.kind, e.path, e.orig_path]), [
        ['changed', a, undefined],
        ['renamed', b, a],
        ['unmerged', b, undefined],
        ['untracked', a, undefined],
      ]);
    }),
    { numRuns: 200 },
  );
});
