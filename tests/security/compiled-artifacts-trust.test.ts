import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { compileStatement, signStatement, type DsseEnvelope } from '@rustchain/core';
import { keyIdOf } from '../../core/src/audit/keys.ts';
import { json, runCli } from '../cli/harness.ts';
import { cliWorkdir } from '../compiler/helpers.ts';
import { assertModuleRefused, compiledArtifactOf, payloadOf, sha256, SLOW } from './compiled-harness.ts';
import { readLedger, type LedgerLine } from './harness.ts';

/**
 * Issue 11, signed compiled artifacts (continued from compiled-artifacts.test.ts): a module
 * signed by a key the project does not trust is refused until config `trustedCompileKeys`
 * names it; a bundle is signed too, and `node out.mjs` records its run, with the bundle's
 * digest, in the ledger of its working directory's state dir, which then verifies.
 */

const work = cliWorkdir();
const cli = work.cli;

test('a statement signed by another key: E_COMPILED_UNTRUSTED_SIGNER, until config trustedCompileKeys names that key, whose file steps cannot rewrite', SLOW, async () => {
  const name = 'foreign.mission.ts';
  const compiled = await cli(['compile', 'mission.yaml', '-o', name]);
  assert.equal(compiled.code, 0, compiled.stderr);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const statement = compileStatement({
    subject: { name, sha256: sha256(await readFile(join(work.dir, name))) },
    source: { path: './mission.yaml', sha256: '0'.repeat(64) },
    plugins: [],
    compiler: { name: '@rustchain/compiler', version: '0.0.0' },
    bundle: false,
  });
  await writeFile(join(work.dir, `${name}.intoto.json`), JSON.stringify(signStatement(statement, { privateKey, keyId: keyIdOf(publicKey) })));
  await assertModuleRefused(work, await cli(['run', name, '--json']), 'E_COMPILED_UNTRUSTED_SIGNER', name);

  await writeFile(join(work.dir, 'foreign.pub'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const config = join(work.dir, 'rustchain.config.json');
  await writeFile(config, JSON.stringify({
    plugins: ['@rustchain/plugin-create-file', '@rustchain/plugin-read-file'],
    policy: { stepTypes: '*', fs: { read: ['.'], write: ['.'] } },
    trustedCompileKeys: ['./foreign.pub'],
  }));
  try {
    const trusted = await cli(['run', name, '--json']);
    assert.equal(trusted.code, 0, trusted.stderr);
    const runId = json<{ runId: string }>(trusted).runId;
    const signature = compiledArtifactOf(work.home, runId)?.payload['signature'] as Record<string, unknown>;
    assert.equal(signature['keyId'], keyIdOf(publicKey));
    assert.equal(signature['trustedBy'], 'config trustedCompileKeys[0]');

    // The trusted key file is a governing path: a step may not swap in its own key.
    const pem = await readFile(join(work.dir, 'foreign.pub'), 'utf8');
    await writeFile(join(work.dir, 'swap.yaml'), 'version: "1.0"\nname: swap\nsteps:\n  - id: swap\n    step_type: create_file\n    parameters: { path: foreign.pub, content: attacker }\n');
    const swapped = await cli(['mission', 'execute', 'swap.yaml', '--json']);
    assert.equal(swapped.code, 2, swapped.stderr);
    assert.ok(json<{ diagnostics: Array<{ code: string }> }>(swapped).diagnostics.some((d) => d.code === 'E_POLICY_PATH_DENIED'));
    assert.equal(await readFile(join(work.dir, 'foreign.pub'), 'utf8'), pem);
  } finally {
    await unlink(config);
  }
});

test('a bundle is signed too, and its run appends to the ledger of its working directory\'s state dir, which verifies', SLOW, async () => {
  const built = await cli(['compile', 'mission.yaml', '-o', 'bundle.mjs', '--bundle']);
  assert.equal(built.code, 0, built.stderr);
  const bundle = await readFile(join(work.dir, 'bundle.mjs'));
  const statement = payloadOf(JSON.parse(await readFile(join(work.dir, 'bundle.mjs.intoto.json'), 'utf8')) as DsseEnvelope);
  assert.deepEqual(statement.subject, [{ name: 'bundle.mjs', digest: { sha256: sha256(bundle) } }]);
  assert.equal((statement.predicate as { bundle: boolean }).bundle, true);
  // `rustchain run` does not import a bundle: its top level would run the mission outside the command.
  await rm(join(work.dir, 'copy.txt'), { force: true });
  const imported = await cli(['run', 'bundle.mjs', '--json']);
  assert.equal(imported.code, 2, imported.stderr);
  assert.deepEqual(json<{ diagnostics: Array<{ code: string }> }>(imported).diagnostics.map((d) => d.code), ['E_COMPILED_IMPORT']);
  assert.equal(existsSync(join(work.dir, 'copy.txt')), false);

  const outside = await mkdtemp(join(tmpdir(), 'rustchain-signed-bundle-'));
  try {
    await copyFile(join(work.dir, 'bundle.mjs'), join(outside, 'bundle.mjs'));
    const env: Record<string, string | undefined> = { ...process.env };
    delete env['RUSTCHAIN_HOME'];
    const { stdout } = await promisify(execFile)(process.execPath, ['bundle.mjs', '--json'], { cwd: outside, env });
    const result = JSON.parse(stdout) as { runId: string; status: string };
    assert.equal(result.status, 'succeeded');
    const home = join(outside, '.rustchain');
    const events = readLedger(home).filter((e) => (e as LedgerLine & { runId: string }).runId === result.runId);
    assert.deepEqual(events.map((e) => e.type).filter((t) => t.startsWith('run.') && t !== 'run.plugins'), ['run.artifact', 'run.plan', 'run.artifact', 'run.started', 'run.finished']);
    const artifact = events.find((e) => e.type === 'run.artifact' && e.payload['kind'] === 'compiled');
    assert.equal(artifact?.payload['sha256'], sha256(bundle));
    assert.equal(events.filter((e) => e.type === 'step.succeeded').length, 3);
    const verified = await runCli(['audit', 'verify', '--json'], { cwd: outside, home });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.equal(json<{ ok: boolean }>(verified).ok, true);
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});
