import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { json, REPO, runCli, tempProject } from '../cli/harness.ts';
import { assertLedgerRecords, assertRefused, inProject, readLedger, SENTINEL_STEP, type CaseRun } from './harness.ts';

/**
 * Issue 11, governing files: what decides the NEXT invocation (every config file name in the
 * search path, the --policy file, the state dir, the key dir, allowlisted programs) and the
 * directories above them can be neither written, created, moved nor deleted by steps.
 */

const CONFIG_NAMES = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json'].map((ext) => `rustchain.config.${ext}`);

interface RunDoc {
  steps: Array<{ id: string; status: string; error: { code: string } | null }>;
}

const createStep = (id: string, path: string): string => `  - id: ${id}\n    step_type: create_file\n    parameters: { path: ${JSON.stringify(path)}, content: "export default { plugins: [], policy: { commands: { allow: '*' } } }" }\n`;
const moveStep = (id: string, source: string, destination: string): string =>
  `  - id: ${id}\n    step_type: move_file\n    parameters: { source: ${JSON.stringify(source)}, destination: ${JSON.stringify(destination)} }\n`;
/** The sentinel runs only after the bad step: a runtime refusal (fail_fast) must skip it. */
const sentinelAfter = (id: string): string => `  - id: sentinel\n    step_type: create_file\n    depends_on: [${id}]\n    parameters: { path: sentinel.txt, content: ran }\n`;

/** A runtime refusal: exit 1, the step failed with `code`, the sentinel never ran, the ledger records it and verifies. */
async function assertRuntimeRefusal(c: CaseRun, stepId: string, code: string): Promise<void> {
  assert.equal(c.run.code, 1, c.run.stderr);
  const step = (c.doc as unknown as RunDoc).steps.find((s) => s.id === stepId);
  assert.equal(step?.error?.code, code, JSON.stringify(step));
  assert.equal(existsSync(join(c.dir, 'sentinel.txt')), false);
  await assertLedgerRecords(c, code);
}

test('creating any config file name in the working directory is refused with only the default write permission', async () => {
  const steps = CONFIG_NAMES.map((name, i) => createStep(`c${i}`, name)).join('');
  await inProject({ 'm.yaml': `steps:\n${steps}${SENTINEL_STEP}` }, ['mission', 'execute', 'm.yaml'], async (c) => {
    await assertRefused(c, 'E_POLICY_PATH_DENIED');
    const pointers = (c.doc['diagnostics'] as Array<{ code: string; pointer: string }>).filter((d) => d.code === 'E_POLICY_PATH_DENIED').map((d) => d.pointer);
    assert.deepEqual(pointers, CONFIG_NAMES.map((_, i) => `/steps/${i}/parameters/path`));
    for (const name of CONFIG_NAMES) assert.equal(existsSync(join(c.dir, name)), false, name);
  });
});

test('a higher-precedence config beside the project config, one directory up the search path, is refused', async () => {
  const project = await tempProject({
    'rustchain.config.json': JSON.stringify({ plugins: ['@rustchain/plugin-create-file', '@rustchain/plugin-noop'], policy: { fs: { read: ['.'], write: ['.'] } } }),
    'sub/m.yaml': `steps:\n${createStep('shadow', '../rustchain.config.mts')}${createStep('cjs', '../rustchain.config.cjs')}`,
  });
  try {
    await symlink(join(REPO, 'node_modules'), join(project.dir, 'node_modules'), 'dir');
    const cwd = join(project.dir, 'sub');
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd, home: project.home });
    const c: CaseRun = { run, dir: cwd, home: project.home, doc: json(run), ledger: readLedger(project.home) };
    await assertRefused(c, 'E_POLICY_PATH_DENIED');
    assert.equal(existsSync(join(project.dir, 'rustchain.config.mts')), false);
  } finally {
    await project.cleanup();
  }
});

test('a config name computed at run time (template) is refused by the runtime guard', async () => {
  const mission = `vars:\n  name: rustchain.config.mjs\nsteps:\n${createStep('evil', '${{ vars.name }}')}${sentinelAfter('evil')}`;
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml'], async (c) => {
    await assertRuntimeRefusal(c, 'evil', 'E_POLICY_PATH_DENIED');
    assert.equal(existsSync(join(c.dir, 'rustchain.config.mjs')), false);
  });
});

test('the directory holding the --policy file can be neither moved away nor replaced, and the file not deleted', async () => {
  const policy = 'fs: { read: [..], write: [..] }\n';
  const mission = `steps:\n${moveStep('swap', 'pol', 'pol-old')}${sentinelAfter('swap')}`;
  await inProject({ 'm.yaml': mission, 'pol/p.yaml': policy }, ['mission', 'execute', 'm.yaml', '--policy', 'pol/p.yaml'], async (c) => {
    await assertRuntimeRefusal(c, 'swap', 'E_POLICY_PATH_DENIED');
    assert.equal(await readFile(join(c.dir, 'pol', 'p.yaml'), 'utf8'), policy);
    assert.equal(existsSync(join(c.dir, 'pol-old')), false);
  });
  const remove = `steps:\n  - id: rm\n    step_type: delete_file\n    parameters: { path: pol/p.yaml }\n${SENTINEL_STEP}`;
  await inProject({ 'm.yaml': remove, 'pol/p.yaml': policy }, ['mission', 'execute', 'm.yaml', '--policy', 'pol/p.yaml'], async (c) => {
    await assertRefused(c, 'E_POLICY_PATH_DENIED', { pointer: '/steps/0/parameters/path' });
    assert.equal(existsSync(join(c.dir, 'pol', 'p.yaml')), true);
  });
});

test('with RUSTCHAIN_HOME inside a write root, neither the state dir nor a directory above it can be moved away', async () => {
  for (const source of ['box/state', 'box']) {
    const project = await tempProject({ 'm.yaml': `steps:\n${moveStep('hide', source, 'gone')}${sentinelAfter('hide')}` });
    try {
      const home = join(project.dir, 'box', 'state');
      const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home });
      const c: CaseRun = { run, dir: project.dir, home, doc: json(run), ledger: readLedger(home) };
      // The state dir itself is refused by the static check; a directory above it at run time.
      if (source === 'box') await assertRuntimeRefusal(c, 'hide', 'E_POLICY_PATH_DENIED');
      else await assertRefused(c, 'E_POLICY_PATH_DENIED', { pointer: '/steps/0/parameters/source' });
      assert.ok(existsSync(join(home, 'audit', 'ledger.jsonl')), `${source}: the ledger stays where it was`);
      assert.equal(existsSync(join(project.dir, 'gone')), false);
    } finally {
      await project.cleanup();
    }
  }
});

test('a program named by the command allowlist is read-only to steps (no rewrite-then-run)', async () => {
  const script = '#!/bin/sh\necho build\n';
  const mission = `steps:\n${createStep('rewrite', 'scripts/build.sh')}${SENTINEL_STEP}`;
  const project = await tempProject({ 'm.yaml': mission, 'scripts/build.sh': script });
  try {
    const { chmod } = await import('node:fs/promises');
    await chmod(join(project.dir, 'scripts', 'build.sh'), 0o755);
    const run = await runCli(['mission', 'execute', 'm.yaml', '--allow-run=./scripts/build.sh', '--json'], { cwd: project.dir, home: project.home });
    await assertRefused({ run, dir: project.dir, home: project.home, doc: json(run), ledger: readLedger(project.home) }, 'E_POLICY_PATH_DENIED', {
      pointer: '/steps/0/parameters/path',
    });
    assert.equal(await readFile(join(project.dir, 'scripts', 'build.sh'), 'utf8'), script);
  } finally {
    await project.cleanup();
  }
});

test('ctx.fs: removing or renaming any ancestor of a governing path is refused; siblings stay writable', async () => {
  const { createFsCapability } = await import('../../core/src/capabilities/fs.ts');
  const { resolvePolicy } = await import('../../core/src/policy/resolve.ts');
  const project = await tempProject({ 'pol/p.yaml': 'fs: {}\n' });
  try {
    await mkdir(join(project.dir, 'pol', 'inner'));
    await writeFile(join(project.dir, 'pol', 'note.txt'), 'x');
    const policy = resolvePolicy({
      cwd: project.dir,
      hasConfigFile: false,
      stateDir: join(project.dir, 'var', 'state'),
      governing: { policyFile: join(project.dir, 'pol', 'p.yaml') },
    });
    const fs = createFsCapability(policy, project.dir);
    for (const op of [() => fs.remove('pol', { recursive: true }), () => fs.move('pol', 'x'), () => fs.move('var', 'y'), () => fs.remove('var', { recursive: true })]) {
      await assert.rejects(op(), (e: { code?: string }) => e.code === 'E_POLICY_PATH_DENIED');
    }
    // Not governing: an unrelated file beside the policy file can still be removed, a directory still renamed.
    assert.equal(await fs.remove('pol/note.txt'), true);
    await fs.move('pol/inner', 'pol/inner2');
  } finally {
    await project.cleanup();
  }
});
