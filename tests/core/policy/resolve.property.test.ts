import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PolicyConfig } from '../../../core/src/config/types.ts';
import { resolvePolicy, type PermissionFlags } from '../../../core/src/policy/resolve.ts';
import { tempDir } from '../capabilities/helpers.ts';

/** `a` allows at least everything `b` allows. */
function covers(a: readonly string[] | '*', b: readonly string[] | '*'): boolean {
  if (a === '*') return true;
  if (b === '*') return false;
  return a.includes('/') || b.every((x) => a.includes(x));
}

const names = fc.subarray(['echo', 'git', 'a', 'b', 'HOME', 'example.com'], { minLength: 0 });
const flag = fc.option(fc.oneof(fc.constant(true as const), names), { nil: undefined });
const list = fc.oneof(fc.constant('*' as const), names);

test('resolvePolicy: flags extend the policy, never narrow it', async (t) => {
  const cwd = await tempDir(t, 'rc-polprop-');
  await mkdir(join(cwd, 'a'));
  fc.assert(
    fc.property(
      fc.record({ allowRun: flag, allowRead: flag, allowWrite: flag, allowNet: flag, allowEnv: flag, allowAll: fc.boolean() }),
      fc.option(fc.record({ commands: fc.record({ allow: list }), net: fc.record({ allow: list }), env: fc.record({ allow: list }), fs: fc.record({ read: names, write: names }) }), { nil: undefined }),
      (rawFlags, config) => {
        const flags = Object.fromEntries(Object.entries(rawFlags).filter(([, v]) => v !== undefined)) as PermissionFlags;
        const input = { cwd, configDir: cwd, hasConfigFile: config !== undefined, config: config as PolicyConfig | undefined };
        const without = resolvePolicy(input);
        const withFlags = resolvePolicy({ ...input, flags });
        assert.ok(covers(withFlags.commands.allow, without.commands.allow), 'commands');
        assert.ok(covers(withFlags.net.allow, without.net.allow), 'net');
        assert.ok(covers(withFlags.env.allow, without.env.allow), 'env');
        assert.ok(covers(withFlags.fs.read, without.fs.read), 'fs.read');
        assert.ok(covers(withFlags.fs.write, without.fs.write), 'fs.write');
        assert.ok(withFlags.commands.shell || !without.commands.shell, 'shell');
        assert.ok(covers(withFlags.stepTypes, without.stepTypes), 'stepTypes');
      },
    ),
    { numRuns: 300 },
  );
});
