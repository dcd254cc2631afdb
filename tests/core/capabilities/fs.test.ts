import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createFsCapability } from '../../../core/src/capabilities/fs.ts';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ctxFor, policyFor, rejectsWith, tempDir } from './helpers.ts';

test('fs: write then read inside the root, relative to workDir', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root));
  const written = await ctx.fs.writeText('a/b/c.txt', 'héllo', { createParents: true });
  assert.deepEqual(written, { path: join(root, 'a/b/c.txt'), bytes: 6 });
  assert.equal(await ctx.fs.readText('a/b/c.txt'), 'héllo');
  await ctx.fs.writeText('a/b/c.txt', '!', { append: true });
  assert.equal(await readFile(join(root, 'a/b/c.txt'), 'utf8'), 'héllo!');
});

const ESCAPES = ['../outside.txt', '../../etc/passwd', '/etc/passwd', 'a/../../x'];
for (const path of ESCAPES) {
  test(`fs: ${path} escapes the root and is denied for read and write`, async (t) => {
    const root = await tempDir(t);
    const ctx = ctxFor(root, policyFor(root));
    const error = await rejectsWith(ctx.fs.readText(path), 'E_POLICY_PATH_DENIED');
    // The refusal names the flag that would allow exactly the resolved path.
    assert.ok(String(error.details['allowWith']).startsWith(`--allow-read=${resolve(root, path)} `), String(error.details['allowWith']));
    await rejectsWith(ctx.fs.writeText(path, 'x'), 'E_POLICY_PATH_DENIED');
  });
}

test('fs: a NUL byte is refused', async (t) => {
  const root = await tempDir(t);
  await rejectsWith(ctxFor(root, policyFor(root)).fs.readText('a\0b'), 'E_POLICY_PATH_DENIED');
});

test('fs: a symlink pointing outside the root is denied (decided on the realpath)', async (t) => {
  const root = await tempDir(t);
  const outside = await tempDir(t);
  await writeFile(join(outside, 'secret'), 'S');
  await symlink(outside, join(root, 'link'));
  const ctx = ctxFor(root, policyFor(root));
  const error = await rejectsWith(ctx.fs.readText('link/secret'), 'E_POLICY_PATH_DENIED');
  assert.equal(error.details['resolved'], join(outside, 'secret'));
  await rejectsWith(ctx.fs.writeText('link/new', 'x'), 'E_POLICY_PATH_DENIED');
  // A chained relative symlink (CVE-2025-55130 style) is resolved the same way.
  await mkdir(join(root, 'd'));
  await symlink('../link', join(root, 'd', 'chain'));
  await rejectsWith(ctx.fs.readText('d/chain/secret'), 'E_POLICY_PATH_DENIED');
  // missing/.. is not a way around a later symlink either.
  await rejectsWith(ctx.fs.writeText('nope/../link/x', 'x', { createParents: true }), 'E_POLICY_PATH_DENIED');
});

test('fs: a symlink inside the root is followed', async (t) => {
  const root = await tempDir(t);
  await writeFile(join(root, 'real.txt'), 'R');
  await symlink('real.txt', join(root, 'alias'));
  assert.equal(await ctxFor(root, policyFor(root)).fs.readText('alias'), 'R');
});

for (const reserved of ['.git/hooks/pre-commit', 'node_modules/x/index.js', '.rustchain/audit/ledger.jsonl', 'sub/.git/config']) {
  test(`fs: reserved path ${reserved} is never writable inside the root`, async (t) => {
    const root = await tempDir(t);
    await rejectsWith(ctxFor(root, policyFor(root)).fs.writeText(reserved, 'x', { createParents: true }), 'E_POLICY_PATH_DENIED');
  });
}

test('fs: policy.fs.deny and denyRead entries are refused', async (t) => {
  const root = await tempDir(t);
  await writeFile(join(root, 'policy.yaml'), 'p');
  await mkdir(join(root, 'keys'));
  await writeFile(join(root, 'keys', 'k'), 'k');
  const ctx = ctxFor(root, policyFor(root, { fs: { read: [root], write: [root], deny: [join(root, 'policy.yaml')], denyRead: [join(root, 'keys')] } }));
  assert.equal(await ctx.fs.readText('policy.yaml'), 'p');
  await rejectsWith(ctx.fs.writeText('policy.yaml', 'x'), 'E_POLICY_PATH_DENIED');
  await rejectsWith(ctx.fs.readText('keys/k'), 'E_POLICY_PATH_DENIED');
});

test('fs: read-only roots are readable but not writable', async (t) => {
  const root = await tempDir(t);
  const ro = await tempDir(t);
  await writeFile(join(ro, 'f'), 'F');
  const ctx = ctxFor(root, policyFor(root, { fs: { read: [ro], write: [root] } }));
  assert.equal(await ctx.fs.readText(join(ro, 'f')), 'F');
  await rejectsWith(ctx.fs.writeText(join(ro, 'f'), 'x'), 'E_POLICY_PATH_DENIED');
});

test('fs: special files are refused without hanging; the size cap applies', async (t) => {
  const root = await tempDir(t);
  execFileSync('mkfifo', [join(root, 'fifo')]);
  const ctx = ctxFor(root, policyFor(root, { fs: { read: [root, '/dev'], write: [root] } }));
  await rejectsWith(ctx.fs.readText('fifo'), 'E_FS_NOT_REGULAR_FILE');
  await rejectsWith(ctx.fs.readText('/dev/zero'), 'E_FS_NOT_REGULAR_FILE');
  await rejectsWith(ctx.fs.readText('.'), 'E_FS_NOT_REGULAR_FILE');
  await rejectsWith(ctx.fs.writeText('fifo', 'x'), 'E_FS_NOT_REGULAR_FILE');
  await writeFile(join(root, 'big'), 'x'.repeat(100));
  await rejectsWith(ctx.fs.readText('big', { maxBytes: 99 }), 'E_OUTPUT_TOO_LARGE');
  assert.equal((await ctx.fs.readText('big', { maxBytes: 100 })).length, 100);
});

test('fs: errors map to stable codes with the path in details', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root));
  const missing = await rejectsWith(ctx.fs.readText('missing.txt'), 'E_FS_NOT_FOUND');
  assert.equal(missing.details['path'], 'missing.txt');
  await rejectsWith(ctx.fs.writeText('no/parent.txt', 'x'), 'E_FS_NOT_FOUND');
  await writeFile(join(root, 'a'), 'A');
  await writeFile(join(root, 'b'), 'B');
  await rejectsWith(ctx.fs.copy('a', 'b'), 'E_FS_EXISTS');
  await rejectsWith(ctx.fs.move('a', 'b'), 'E_FS_EXISTS');
  await rejectsWith(ctx.fs.move('zzz', 'c'), 'E_FS_NOT_FOUND');
});

test('fs: remove, copy, move, list and stat', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root));
  await ctx.fs.writeText('a.txt', 'AA');
  assert.deepEqual(await ctx.fs.copy('a.txt', 'sub/b.txt'), { path: join(root, 'sub/b.txt'), bytes: 2 });
  assert.deepEqual(await ctx.fs.move('sub/b.txt', 'c.txt'), { path: join(root, 'c.txt') });
  await mkdir(join(root, 'dir'));
  await symlink('/etc', join(root, 'etc-link'));
  const entries = await ctx.fs.list('.');
  assert.deepEqual(
    entries.map((e) => [e.name, e.type]),
    [['a.txt', 'file'], ['c.txt', 'file'], ['dir', 'directory'], ['etc-link', 'symlink'], ['sub', 'directory']],
  );
  assert.equal((await ctx.fs.stat('a.txt'))?.size, 2);
  assert.equal(await ctx.fs.stat('nothing'), null);
  // Removing a symlink that points outside removes the link itself, not its target.
  assert.equal(await ctx.fs.remove('etc-link'), true);
  assert.equal(await ctx.fs.remove('a.txt'), true);
  assert.equal(await ctx.fs.remove('a.txt'), false);
  await rejectsWith(ctx.fs.remove('dir'), 'E_FS_NOT_REGULAR_FILE');
  assert.equal(await ctx.fs.remove('dir', { recursive: true }), true);
});

test('fs: a recursive delete of a tree holding .git is refused', async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, 'proj/.git'), { recursive: true });
  await rejectsWith(ctxFor(root, policyFor(root)).fs.remove('proj', { recursive: true }), 'E_POLICY_PATH_DENIED');
});

test('fs: a file swapped for a symlink after the check is refused at open (O_NOFOLLOW)', async (t) => {
  const root = await tempDir(t);
  const outside = await tempDir(t);
  await writeFile(join(outside, 'secret'), 'S');
  await writeFile(join(root, 'benign'), 'B');
  const swap = async (resolved: string): Promise<void> => {
    await rm(resolved);
    await symlink(join(outside, 'secret'), resolved);
  };
  const fs = createFsCapability(policyFor(root), root, { beforeOpen: swap });
  await rejectsWith(fs.readText('benign'), 'E_FS_SYMLINK_REFUSED');
  await writeFile(join(root, 'w'), 'W');
  await rejectsWith(fs.writeText('w', 'overwrite'), 'E_FS_SYMLINK_REFUSED');
  assert.equal(await readFile(join(outside, 'secret'), 'utf8'), 'S');
});
