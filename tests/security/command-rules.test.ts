import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { assertLedgerRecords, assertRefused, inProject, SENTINEL_STEP, type CaseRun } from './harness.ts';

/**
 * Issue 11, command rules that mean what they say: rules match by real path like the
 * allowlist, a step's `env:` names must be allowed by the policy, and a templated value that
 * starts with `-` cannot land as an option (E_ARG_OPTION_INJECTION, catalogue #13).
 */

interface RunDoc {
  status: string;
  steps: Array<{ id: string; status: string; error: { code: string } | null }>;
}

const GIT = realpathSync('/usr/bin/git');
const cmd = (id: string, command: string, args: string[], extra = ''): string =>
  `  - id: ${id}\n    step_type: command\n    parameters:\n      command: ${JSON.stringify(command)}\n      args: ${JSON.stringify(args)}\n${extra}`;
/** The sentinel runs only after `id`: a runtime refusal (fail_fast) must skip it. */
const sentinelAfter = (id: string): string => `  - id: sentinel\n    step_type: create_file\n    depends_on: [${id}]\n    parameters: { path: sentinel.txt, content: ran }\n`;

async function assertRuntimeRefusal(c: CaseRun, stepId: string, code: string): Promise<void> {
  assert.equal(c.run.code, 1, c.run.stderr);
  const step = (c.doc as unknown as RunDoc).steps.find((s) => s.id === stepId);
  assert.equal(step?.error?.code, code, JSON.stringify(step));
  assert.equal(existsSync(join(c.dir, 'sentinel.txt')), false);
  await assertLedgerRecords(c, code);
}

test('a rule keyed on /usr/bin/git also binds /usr/bin//git and /usr/bin/../bin/git (real path)', { skip: existsSync('/usr/bin/git') ? false : 'git is not installed' }, async () => {
  const policy = `commands:\n  allow: [${GIT}]\n  rules: [{ command: ${GIT}, args: [status] }]\n`;
  for (const spelling of ['/usr/bin//git', '/usr/bin/../bin/git']) {
    const mission = `steps:\n${cmd('pager', spelling, ['-c', 'core.pager=touch pwned', 'log'])}${SENTINEL_STEP}`;
    await inProject({ 'm.yaml': mission, 'p.yaml': policy }, ['mission', 'execute', 'm.yaml', '--policy', 'p.yaml'], async (c) => {
      await assertRefused(c, 'E_POLICY_COMMAND_DENIED', { pointer: '/steps/0/parameters/command' });
      assert.equal(existsSync(join(c.dir, 'pwned')), false);
    });
  }
});

test('a step env that makes an allowed program run other code (GIT_CONFIG_*, TAR_OPTIONS) is refused unless the policy allows the name', async () => {
  const gitEnv = '      env: { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: core.fsmonitor, GIT_CONFIG_VALUE_0: "touch pwned" }\n';
  const tarEnv = '      env: { TAR_OPTIONS: "--to-command=touch pwned" }\n';
  const mission = `steps:\n${cmd('status', 'git', ['status'], gitEnv)}${cmd('tar', 'tar', ['-cf', 'x.tar', 'm.yaml'], tarEnv)}${SENTINEL_STEP}`;
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', '--allow-run=git,tar'], async (c) => {
    await assertRefused(c, 'E_POLICY_ENV_DENIED');
    const pointers = (c.doc['diagnostics'] as Array<{ code: string; pointer: string }>).filter((d) => d.code === 'E_POLICY_ENV_DENIED').map((d) => d.pointer);
    assert.deepEqual(pointers, [
      '/steps/0/parameters/env/GIT_CONFIG_COUNT',
      '/steps/0/parameters/env/GIT_CONFIG_KEY_0',
      '/steps/0/parameters/env/GIT_CONFIG_VALUE_0',
      '/steps/1/parameters/env/TAR_OPTIONS',
    ]);
    assert.equal(existsSync(join(c.dir, 'pwned')), false);
  });
});

test('step env names from the documented safe set, or allowed by the policy, are accepted', async () => {
  const mission = `steps:\n${cmd('say', 'env', [], '      env: { LC_ALL: C, TZ: UTC, MY_FLAG: "1" }\n')}`;
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', '--allow-run=env', '--allow-env=MY_FLAG'], async (c) => {
    assert.equal(c.run.code, 0, c.run.stderr);
  });
});

test('a templated value starting with "-" in an argument position is E_ARG_OPTION_INJECTION; nothing runs', async () => {
  const mission = `vars:\n  name: "--reference=/etc/passwd"\nsteps:\n${cmd('touch', 'touch', ['${{ vars.name }}', 'pwned'])}${sentinelAfter('touch')}`;
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', '--allow-run=touch'], async (c) => {
    await assertRuntimeRefusal(c, 'touch', 'E_ARG_OPTION_INJECTION');
    assert.equal(existsSync(join(c.dir, 'pwned')), false);
  });
});

test('a templated "-" value is accepted after a literal "--", inside a literal option, or where a rule has an option token', async () => {
  const vars = `vars:\n  name: "-x"\n`;
  const ok = [
    [cmd('a', 'touch', ['--', '${{ vars.name }}']), ['--allow-run=touch']],
    [cmd('b', 'echo', ['--label=${{ vars.name }}']), ['--allow-run=echo']],
  ] as const;
  for (const [step, flags] of ok) {
    await inProject({ 'm.yaml': `${vars}steps:\n${step}` }, ['mission', 'execute', 'm.yaml', ...flags], (c) => {
      assert.equal(c.run.code, 0, c.run.stderr + c.run.stdout);
    });
  }
  const policy = `commands:\n  allow: [touch]\n  rules: [{ command: touch, args: ['-* *'] }]\n`;
  await inProject({ 'm.yaml': `vars:\n  name: "-c"\nsteps:\n${cmd('c', 'touch', ['${{ vars.name }}', 'f.txt'])}`, 'p.yaml': policy }, ['mission', 'execute', 'm.yaml', '--policy', 'p.yaml'], (c) => {
    assert.equal(c.run.code, 0, c.run.stderr + c.run.stdout);
  });
});
