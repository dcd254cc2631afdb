import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import copyFile from '@rustchain/plugin-copy-file';
import createFile from '@rustchain/plugin-create-file';
import deleteFile from '@rustchain/plugin-delete-file';
import editFile from '@rustchain/plugin-edit-file';
import listDirectory from '@rustchain/plugin-list-directory';
import moveFile from '@rustchain/plugin-move-file';
import noop from '@rustchain/plugin-noop';
import readFilePlugin from '@rustchain/plugin-read-file';
import type { DefinedPlugin, StepContext } from '../../core/src/plugin/sdk.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';

/** Runs a plugin as the executor does: schema check, then run; outputs checked against their schema. */
async function runPlugin(plugin: DefinedPlugin, params: Record<string, unknown>, ctx: StepContext): Promise<Record<string, unknown>> {
  assert.ok(Value.Check(plugin.params, params), `params valid for ${plugin.type}`);
  const outputs = (await plugin.run(params as never, ctx)) as Record<string, unknown>;
  assert.ok(Value.Check(plugin.outputs, outputs), `outputs match the schema of ${plugin.type}`);
  return outputs;
}

interface Case {
  plugin: DefinedPlugin;
  required: string[];
  /** Sets up the root, runs the step, asserts outputs and effects. */
  success(ctx: StepContext, root: string): Promise<void>;
  /** Params touching something outside the root (and, via `link`, a symlink escape). */
  escape: (target: string) => Record<string, unknown>;
}

const CASES: Case[] = [
  {
    plugin: createFile as DefinedPlugin,
    required: ['path'],
    async success(ctx, root) {
      assert.deepEqual(await runPlugin(createFile as DefinedPlugin, { path: 'a/b.txt', content: 'hi', extra_key: true }, ctx), { path: join(root, 'a/b.txt'), bytes: 2 });
      assert.equal(await readFile(join(root, 'a/b.txt'), 'utf8'), 'hi');
      assert.deepEqual(await runPlugin(createFile as DefinedPlugin, { path: 'empty' }, ctx), { path: join(root, 'empty'), bytes: 0 });
    },
    escape: (target) => ({ path: target }),
  },
  {
    plugin: readFilePlugin as DefinedPlugin,
    required: ['path'],
    async success(ctx, root) {
      await writeFile(join(root, 'r.txt'), 'héllo');
      assert.deepEqual(await runPlugin(readFilePlugin as DefinedPlugin, { path: 'r.txt' }, ctx), { content: 'héllo', bytes: 6 });
    },
    escape: (target) => ({ path: target }),
  },
  {
    plugin: editFile as DefinedPlugin,
    required: ['path'],
    async success(ctx, root) {
      await writeFile(join(root, 'e.txt'), 'old');
      await runPlugin(editFile as DefinedPlugin, { path: 'e.txt', content: 'new' }, ctx);
      assert.equal(await readFile(join(root, 'e.txt'), 'utf8'), 'new');
      assert.deepEqual(await runPlugin(editFile as DefinedPlugin, { path: 'e.txt', content: '+', append: true }, ctx), { path: join(root, 'e.txt'), bytes: 1 });
      assert.equal(await readFile(join(root, 'e.txt'), 'utf8'), 'new+');
    },
    escape: (target) => ({ path: target, content: 'x' }),
  },
  {
    plugin: deleteFile as DefinedPlugin,
    required: ['path'],
    async success(ctx, root) {
      await writeFile(join(root, 'd.txt'), 'x');
      assert.deepEqual(await runPlugin(deleteFile as DefinedPlugin, { path: 'd.txt' }, ctx), { deleted: true });
      assert.equal(existsSync(join(root, 'd.txt')), false);
      assert.deepEqual(await runPlugin(deleteFile as DefinedPlugin, { path: 'd.txt' }, ctx), { deleted: false });
    },
    escape: (target) => ({ path: target }),
  },
  {
    plugin: copyFile as DefinedPlugin,
    required: ['source', 'destination'],
    async success(ctx, root) {
      await writeFile(join(root, 'src.txt'), 'C');
      await writeFile(join(root, 'dst.txt'), 'old');
      assert.deepEqual(await runPlugin(copyFile as DefinedPlugin, { source: 'src.txt', destination: 'dst.txt' }, ctx), { path: join(root, 'dst.txt') });
      assert.equal(await readFile(join(root, 'dst.txt'), 'utf8'), 'C');
      assert.equal(await readFile(join(root, 'src.txt'), 'utf8'), 'C');
    },
    escape: (target) => ({ source: target, destination: 'copy.txt' }),
  },
  {
    plugin: moveFile as DefinedPlugin,
    required: ['source', 'destination'],
    async success(ctx, root) {
      await writeFile(join(root, 'm.txt'), 'M');
      assert.deepEqual(await runPlugin(moveFile as DefinedPlugin, { source: 'm.txt', destination: 'sub/m2.txt' }, ctx), { path: join(root, 'sub/m2.txt') });
      assert.equal(existsSync(join(root, 'm.txt')), false);
      assert.equal(await readFile(join(root, 'sub/m2.txt'), 'utf8'), 'M');
    },
    escape: (target) => ({ source: 'x.txt', destination: target }),
  },
  {
    plugin: listDirectory as DefinedPlugin,
    required: ['path'],
    async success(ctx, root) {
      await mkdir(join(root, 'dir/inner'), { recursive: true });
      await writeFile(join(root, 'dir/f.txt'), 'abc');
      assert.deepEqual(await runPlugin(listDirectory as DefinedPlugin, { path: 'dir' }, ctx), {
        entries: [{ name: 'f.txt', type: 'file', size: 3 }, { name: 'inner', type: 'directory', size: (await ctx.fs.stat('dir/inner'))?.size }],
        count: 2,
      });
    },
    escape: (target) => ({ path: target }),
  },
];

for (const c of CASES) {
  const type = c.plugin.type;
  test(`${type}: succeeds inside the root`, async (t) => {
    const root = await tempDir(t);
    await c.success(ctxFor(root, policyFor(root)), root);
  });

  for (const missing of c.required) {
    test(`${type}: a missing ${missing} is caught by the params schema`, () => {
      const params: Record<string, unknown> = { ...c.escape('x') };
      delete params[missing];
      assert.equal(Value.Check(c.plugin.params, params), false);
      assert.ok([...Value.Errors(c.plugin.params, params)].some((e) => e.path === `/${missing}`));
    });
  }

  for (const [label, target] of [['outside the root', '../outside/x.txt'], ['through a symlink escape', 'link/x.txt']] as const) {
    test(`${type}: a path ${label} is denied and nothing outside changes`, async (t) => {
      const base = await tempDir(t, 'rc-plug-');
      const root = join(base, 'root');
      const outside = join(base, 'outside');
      await mkdir(root);
      await mkdir(outside);
      await writeFile(join(outside, 'x.txt'), 'outside');
      await writeFile(join(root, 'x.txt'), 'inside');
      await symlink(outside, join(root, 'link'));
      const ctx = ctxFor(root, policyFor(root));
      await rejectsWith(c.plugin.run(c.escape(target) as never, ctx), 'E_POLICY_PATH_DENIED');
      assert.equal(await readFile(join(outside, 'x.txt'), 'utf8'), 'outside');
      // The static check sees the same claim.
      assert.ok((c.plugin.claims?.(c.escape(target) as never) ?? []).some((claim) => 'path' in claim && claim.path === target));
    });
  }
}

test('noop: takes no parameters (extra keys tolerated) and outputs {}', async (t) => {
  const root = await tempDir(t);
  assert.deepEqual(await runPlugin(noop as DefinedPlugin, { legacy: 1 }, ctxFor(root, policyFor(root))), {});
});
