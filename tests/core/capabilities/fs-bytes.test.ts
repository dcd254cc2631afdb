import assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ctxFor, policyFor, rejectsWith, tempDir } from './helpers.ts';

/** ctx.fs.readBytes / writeBytes / mkdir / statfs: the guards of readText / writeText, for bytes. */

test('fs bytes: every byte value round-trips; writeBytes creates parents and truncates', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root));
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(await ctx.fs.writeBytes('a/b/all.bin', all, { createParents: true }), { path: join(root, 'a/b/all.bin'), bytes: 256 });
  assert.deepEqual(new Uint8Array(await readFile(join(root, 'a/b/all.bin'))), all);
  assert.deepEqual(await ctx.fs.readBytes('a/b/all.bin'), all);
  await ctx.fs.writeBytes('a/b/all.bin', all.subarray(10, 12));
  assert.deepEqual(await ctx.fs.readBytes('a/b/all.bin'), Uint8Array.from([10, 11]));
  await rejectsWith(ctx.fs.readBytes('a/b/all.bin', { maxBytes: 1 }), 'E_OUTPUT_TOO_LARGE');
});

test('fs bytes: the path guards apply (roots, reserved paths, final symlink, non-regular files)', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root));
  await rejectsWith(ctx.fs.readBytes('/etc/hostname'), 'E_POLICY_PATH_DENIED');
  await rejectsWith(ctx.fs.writeBytes('../escape.bin', new Uint8Array(1)), 'E_POLICY_PATH_DENIED');
  await rejectsWith(ctx.fs.writeBytes('.git/hooks/pre-commit', new Uint8Array(1), { createParents: true }), 'E_POLICY_PATH_DENIED');
  await rejectsWith(ctx.fs.mkdir('/tmp/rc-mkdir-outside'), 'E_POLICY_PATH_DENIED');
  await rejectsWith(ctx.fs.statfs('/'), 'E_POLICY_PATH_DENIED');
  // Decided on the real path: a link out of the roots is outside, a link inside reads its target.
  await symlink('/etc/hostname', join(root, 'out-link'));
  await rejectsWith(ctx.fs.readBytes('out-link'), 'E_POLICY_PATH_DENIED');
  await writeFile(join(root, 'target'), 'x');
  await symlink(join(root, 'target'), join(root, 'in-link'));
  assert.deepEqual(await ctx.fs.readBytes('in-link'), Uint8Array.from([0x78]));
  await mkdir(join(root, 'dir'));
  await rejectsWith(ctx.fs.readBytes('dir'), 'E_FS_NOT_REGULAR_FILE');
  await rejectsWith(ctx.fs.writeBytes('dir', new Uint8Array(1)), 'E_FS_NOT_REGULAR_FILE');
});

test('fs mkdir and statfs', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root));
  assert.deepEqual(await ctx.fs.mkdir('x/y/z'), { path: join(root, 'x/y/z'), created: true });
  assert.deepEqual(await ctx.fs.mkdir('x/y/z'), { path: join(root, 'x/y/z'), created: false });
  await writeFile(join(root, 'file'), '');
  await assert.rejects(ctx.fs.mkdir('file'));
  const fs = statfsSync(root);
  const s = await ctx.fs.statfs('.');
  assert.equal(s.total, fs.blocks * fs.bsize);
  assert.ok(s.free <= s.total && s.available <= s.free);
  await rejectsWith(ctx.fs.statfs('missing'), 'E_FS_NOT_FOUND');
});
