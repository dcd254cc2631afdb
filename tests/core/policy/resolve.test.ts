import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PolicyConfig } from '../../../core/src/config/types.ts';
import { resolvePolicy, type PermissionFlags } from '../../../core/src/policy/resolve.ts';
import type { Policy } from '../../../core/src/policy/types.ts';
import { tempDir } from '../capabilities/helpers.ts';

interface Case {
  name: string;
  config?: PolicyConfig;
  hasConfigFile?: boolean;
  flags?: PermissionFlags;
  /** Expected policy parts; `CWD` / `CFG` stand for the two directories. */
  expect: (dirs: { cwd: string; cfg: string }) => Partial<Pick<Policy, 'stepTypes' | 'commands' | 'net' | 'env'>> & { read?: string[]; write?: string[] };
}

const CASES: Case[] = [
  {
    name: 'no config, no flags: read+write cwd only, nothing else',
    expect: ({ cwd }) => ({ stepTypes: '*', commands: { allow: [], shell: false }, net: { allow: [] }, env: { allow: [] }, read: [cwd], write: [cwd] }),
  },
  { name: '--allow-run (bare) allows any command', flags: { allowRun: true }, expect: () => ({ commands: { allow: '*', shell: false } }) },
  {
    name: '--allow-run=echo,./bin/tool: names stay names, paths resolve against cwd',
    flags: { allowRun: ['echo', './bin/tool'] },
    expect: ({ cwd }) => ({ commands: { allow: ['echo', join(cwd, 'bin/tool')], shell: false } }),
  },
  {
    name: '--allow-read=../other adds a read root only',
    flags: { allowRead: ['../other'] },
    expect: ({ cwd }) => ({ read: [cwd, join(cwd, '..', 'other')], write: [cwd] }),
  },
  { name: '--allow-write (bare) opens every path for writing', flags: { allowWrite: true }, expect: ({ cwd }) => ({ read: [cwd], write: ['/'] }) },
  {
    name: '--allow-net and --allow-env lists',
    flags: { allowNet: ['example.com:443'], allowEnv: ['HOME', 'CI'] },
    expect: () => ({ net: { allow: ['example.com:443'] }, env: { allow: ['HOME', 'CI'] } }),
  },
  {
    name: '-A allows everything',
    flags: { allowAll: true },
    expect: () => ({ stepTypes: '*', commands: { allow: '*', shell: true }, net: { allow: '*' }, env: { allow: '*' }, read: ['/'], write: ['/'] }),
  },
  {
    name: 'config policy: paths relative to the config dir',
    hasConfigFile: true,
    config: { stepTypes: ['noop'], commands: { allow: ['git', 'tools/x'] }, fs: { read: ['docs'], write: ['out'] }, net: { allow: '*' } },
    expect: ({ cfg }) => ({
      stepTypes: ['noop'],
      commands: { allow: ['git', join(cfg, 'tools/x')], shell: false },
      net: { allow: '*' },
      env: { allow: [] },
      read: [join(cfg, 'docs')],
      write: [join(cfg, 'out')],
    }),
  },
  {
    name: 'flags extend the config, never narrow it',
    hasConfigFile: true,
    config: { commands: { allow: ['git'] }, env: { allow: '*' } },
    flags: { allowRun: ['npm'], allowEnv: ['X'] },
    expect: ({ cfg }) => ({ commands: { allow: ['git', 'npm'], shell: false }, env: { allow: '*' }, read: [cfg], write: [cfg] }),
  },
  {
    name: 'a config file without a policy keeps the project dir and denies side effects',
    hasConfigFile: true,
    expect: ({ cfg }) => ({ commands: { allow: [], shell: false }, net: { allow: [] }, read: [cfg], write: [cfg] }),
  },
];

for (const c of CASES) {
  test(`resolvePolicy: ${c.name}`, async (t) => {
    const base = await tempDir(t, 'rc-pol-');
    const cwd = join(base, 'work');
    const cfg = join(base, 'project');
    await mkdir(cwd);
    await mkdir(cfg);
    const policy = resolvePolicy({ cwd, config: c.config, configDir: cfg, hasConfigFile: c.hasConfigFile ?? false, ...(c.flags ? { flags: c.flags } : {}) });
    const { read, write, ...rest } = c.expect({ cwd, cfg });
    for (const [key, value] of Object.entries(rest)) assert.deepEqual(policy[key as keyof Policy], value, key);
    if (read) assert.deepEqual(policy.fs.read, read);
    if (write) assert.deepEqual(policy.fs.write, write);
  });
}

test('resolvePolicy: the state dir is reserved (default next to the config, or as given)', async (t) => {
  const base = await tempDir(t, 'rc-pol-');
  assert.deepEqual(resolvePolicy({ cwd: base, hasConfigFile: false }).fs.deny, [join(base, '.rustchain')]);
  const state = join(base, 'state');
  const policy = resolvePolicy({ cwd: base, hasConfigFile: true, configDir: base, stateDir: state });
  assert.deepEqual(policy.fs.deny, [state]);
  // The key dir (outside the project by default) is as secret as the state dir.
  assert.equal(policy.fs.denyRead?.[0], state);
  assert.equal(policy.fs.denyRead?.length, 2);
  assert.ok(policy.fs.protect?.includes(state), 'the state dir is a governing path');
});

test('resolvePolicy: roots are real paths (a symlinked cwd resolves)', async (t) => {
  const base = await tempDir(t, 'rc-pol-');
  await mkdir(join(base, 'real'));
  await symlink('real', join(base, 'alias'));
  const policy = resolvePolicy({ cwd: join(base, 'alias'), hasConfigFile: false, flags: { allowRead: ['missing/dir'] } });
  assert.deepEqual(policy.fs.write, [join(base, 'real')]);
  assert.deepEqual(policy.fs.read, [join(base, 'real'), join(base, 'real', 'missing/dir')]);
});
