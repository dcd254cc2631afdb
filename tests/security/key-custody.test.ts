import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keyPaths, verifyLedger } from '@rustchain/core';
import { probeBwrap } from '../../core/src/sandbox/bwrap.ts';
import { json, REPO, runCli, tempProject } from '../cli/harness.ts';
import { assertLedgerRecords, assertRefused, readLedger, SENTINEL_STEP, type CaseRun } from './harness.ts';

/**
 * Issue 11, key custody: the ledger signing key lives outside the project and every write
 * root (user config dir, RUSTCHAIN_KEY_DIR, config keyDir); a legacy key inside the state dir
 * keeps working with a warning; steps can neither read it nor, under bwrap, see it.
 */

const NOOP = `steps:\n  - id: a\n    step_type: noop\n`;

interface RunDoc {
  steps: Array<{ id: string; status: string; outputs: Record<string, unknown> | null; error: { code: string } | null }>;
}

test('by default the key is created in the user config dir, outside the project and the state dir', async () => {
  const project = await tempProject({ 'm.yaml': NOOP });
  try {
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    const { privatePath } = keyPaths(project.home);
    assert.ok(existsSync(privatePath), privatePath);
    assert.ok(!privatePath.startsWith(project.dir) && !privatePath.startsWith(project.home), privatePath);
    assert.equal(existsSync(join(project.home, 'keys')), false, 'no key inside the state dir');
    assert.equal((await verifyLedger(project.home)).ok, true);
  } finally {
    await project.cleanup();
  }
});

test('RUSTCHAIN_KEY_DIR names the key directory', async () => {
  const project = await tempProject({ 'm.yaml': NOOP });
  try {
    const keyDir = join(project.dir, '..', 'my-keys');
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home, env: { RUSTCHAIN_KEY_DIR: keyDir } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(join(keyDir, 'ledger.key')));
  } finally {
    await project.cleanup();
  }
});

test('config keyDir names the key directory (relative to the config file)', async () => {
  const config = JSON.stringify({ plugins: ['@rustchain/plugin-noop'], keyDir: '../cfg-keys' });
  const project = await tempProject({ 'm.yaml': NOOP, 'rustchain.config.json': config });
  try {
    await symlink(join(REPO, 'node_modules'), join(project.dir, 'node_modules'), 'dir');
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(join(project.dir, '..', 'cfg-keys', 'ledger.key')));
  } finally {
    await project.cleanup();
  }
});

test('a legacy key inside the state dir keeps signing (with a warning), and verification trusts it', async () => {
  const project = await tempProject({ 'm.yaml': NOOP });
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await mkdir(join(project.home, 'keys'), { recursive: true });
    await writeFile(join(project.home, 'keys', 'ledger.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /RUSTCHAIN_LEGACY_KEY_DIR/);
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal((await verifyLedger(project.home, { publicKey: pem })).ok, true, 'signed with the legacy key');
  } finally {
    await project.cleanup();
  }
});

test('the key dir is not readable by a step even with --allow-read (anywhere)', async () => {
  const project = await tempProject({ 'm.yaml': NOOP });
  try {
    await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home });
    const { privatePath } = keyPaths(project.home);
    await writeFile(join(project.dir, 'steal.yaml'), `steps:\n  - id: steal\n    step_type: read_file\n    parameters: { path: ${JSON.stringify(privatePath)} }\n${SENTINEL_STEP}`);
    const run = await runCli(['mission', 'execute', 'steal.yaml', '--allow-read', '--json'], { cwd: project.dir, home: project.home });
    await assertRefused({ run, dir: project.dir, home: project.home, doc: json(run), ledger: readLedger(project.home) }, 'E_POLICY_PATH_DENIED');
    assert.doesNotMatch(run.stdout, /PRIVATE KEY/);
  } finally {
    await project.cleanup();
  }
});

const bwrap = probeBwrap();
const skip = bwrap.available ? false : `bwrap is not usable here: ${bwrap.reason ?? ''}`;

test('under the bwrap sandbox a command sees no key and cannot overwrite the policy or the config', { skip }, async () => {
  const policy = 'sandbox: required\ncommands: { allow: [cat, cp] }\nfs: { read: [..], write: [..] }\n';
  const mission = `steps:
  - id: steal
    step_type: command
    continue_on_error: true
    parameters: { command: cat, args: [.rustchain/keys/ledger.key] }
  - id: policy
    step_type: command
    continue_on_error: true
    parameters: { command: cp, args: [m.yaml, pol/p.yaml] }
`;
  const project = await tempProject({ 'm.yaml': mission, 'pol/p.yaml': policy });
  try {
    // The state dir inside the write root, holding a legacy key: the worst case.
    const home = join(project.dir, '.rustchain');
    const { privateKey } = generateKeyPairSync('ed25519');
    await mkdir(join(home, 'keys'), { recursive: true });
    await writeFile(join(home, 'keys', 'ledger.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    const run = await runCli(['mission', 'execute', 'm.yaml', '--policy', 'pol/p.yaml', '--json'], { cwd: project.dir, home });
    const c: CaseRun = { run, dir: project.dir, home, doc: json(run), ledger: readLedger(home) };
    const steps = (c.doc as unknown as RunDoc).steps;
    assert.doesNotMatch(run.stdout, /PRIVATE KEY/);
    assert.equal(steps.find((s) => s.id === 'steal')?.error?.code, 'E_COMMAND_EXIT_NONZERO', JSON.stringify(steps));
    assert.equal(steps.find((s) => s.id === 'policy')?.error?.code, 'E_COMMAND_EXIT_NONZERO', JSON.stringify(steps));
    assert.equal(await readFile(join(project.dir, 'pol', 'p.yaml'), 'utf8'), policy);
    await assertLedgerRecords(c, 'E_COMMAND_EXIT_NONZERO');
  } finally {
    await project.cleanup();
  }
});

test('a command that creates a config file is caught after it runs: E_GOVERNING_TAMPERED, the file moved aside', async () => {
  const mission = `steps:\n  - id: plant\n    step_type: command\n    parameters: { command: cp, args: [m.yaml, rustchain.config.mjs] }\n  - id: sentinel\n    step_type: create_file\n    depends_on: [plant]\n    parameters: { path: sentinel.txt, content: ran }\n`;
  const project = await tempProject({ 'm.yaml': mission });
  try {
    const run = await runCli(['mission', 'execute', 'm.yaml', '--allow-run=cp', '--json'], { cwd: project.dir, home: project.home });
    const c: CaseRun = { run, dir: project.dir, home: project.home, doc: json(run), ledger: readLedger(project.home) };
    assert.equal(run.code, 1, run.stderr);
    assert.equal((c.doc as unknown as RunDoc).steps.find((s) => s.id === 'plant')?.error?.code, 'E_GOVERNING_TAMPERED');
    assert.equal(existsSync(join(project.dir, 'rustchain.config.mjs')), false, 'the next invocation finds no planted config');
    assert.equal(existsSync(join(project.dir, 'sentinel.txt')), false);
    await assertLedgerRecords(c, 'E_GOVERNING_TAMPERED');
  } finally {
    await project.cleanup();
  }
});
