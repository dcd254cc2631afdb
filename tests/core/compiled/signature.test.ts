import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  compileKeyPaths, compileStatement, DiagnosticsError, IN_TOTO_STATEMENT_TYPE, RUN_PREDICATE_TYPE, signCompileStatement, signStatement,
  trustedCompileKeys, verifyCompiledArtifact, type InTotoStatement,
} from '@rustchain/core';
import { keyIdOf } from '../../../core/src/audit/keys.ts';
import { tempDir } from '../capabilities/helpers.ts';

// The signature check in-process: the refusals the CLI tests cannot cheaply reach.

const DIGEST = 'a'.repeat(64);

function statementFor(sha256: string) {
  return compileStatement({
    subject: { name: 'm.mission.ts', sha256 },
    source: { path: './m.yaml', sha256: 'b'.repeat(64) },
    plugins: [{ stepType: 'noop', package: '@rustchain/plugin-noop', version: '1.0.0', integrity: 'sha512-AAEC' }],
    compiler: { name: '@rustchain/compiler', version: '0.1.0' },
    bundle: false,
  });
}

test('the statement names the source and each plugin with its integrity as in-toto materials', () => {
  const predicate = statementFor(DIGEST).predicate as { materials: Array<{ uri: string; digest: Record<string, string> }> };
  assert.deepEqual(predicate.materials, [
    { uri: './m.yaml', digest: { sha256: 'b'.repeat(64) } },
    { uri: 'pkg:npm/@rustchain/plugin-noop@1.0.0', digest: { sha512: '000102' }, integrity: 'sha512-AAEC' },
  ]);
});

test('the local compile key (compile.key in the key dir) is trusted once the first compile created it', async (t) => {
  const state = await tempDir(t, 'rc-sig-');
  process.env['RUSTCHAIN_KEY_DIR'] = join(state, 'keys');
  t.after(() => delete process.env['RUSTCHAIN_KEY_DIR']);
  assert.deepEqual(trustedCompileKeys({ stateDir: state, configFile: null, configDir: state }), []);
  const module = join(state, 'm.mission.ts');
  const { envelope, keyId } = await signCompileStatement(state, statementFor(DIGEST));
  await writeFile(`${module}.intoto.json`, JSON.stringify(envelope));
  assert.equal(compileKeyPaths(state).privatePath, join(state, 'keys', 'compile.key'));
  const trusted = trustedCompileKeys({ stateDir: state, configFile: null, configDir: state });
  assert.deepEqual(trusted.map((k) => [k.keyId, k.origin]), [[keyId, 'local compile key']]);
  const ok = verifyCompiledArtifact(module, DIGEST, trusted);
  assert.equal(ok.verified, true);
  const edited = verifyCompiledArtifact(module, 'c'.repeat(64), trusted);
  assert.equal(edited.verified ? null : edited.code, 'E_COMPILED_DIGEST_MISMATCH');
});

test('malformed statements are E_COMPILED_UNSIGNED; a trusted key signing a statement that is not a compile statement is refused too', async (t) => {
  const dir = await tempDir(t, 'rc-sig-');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const trusted = [{ key: publicKey, keyId: keyIdOf(publicKey), origin: 'test' }];
  const module = join(dir, 'm.mission.ts');
  const codeOf = (r: ReturnType<typeof verifyCompiledArtifact>) => (r.verified ? null : r.code);
  assert.equal(codeOf(verifyCompiledArtifact(module, DIGEST, trusted)), 'E_COMPILED_UNSIGNED');
  await writeFile(`${module}.intoto.json`, '{ not json');
  assert.equal(codeOf(verifyCompiledArtifact(module, DIGEST, trusted)), 'E_COMPILED_UNSIGNED');
  await writeFile(`${module}.intoto.json`, JSON.stringify({ payloadType: 'text/plain', payload: '', signatures: [] }));
  assert.equal(codeOf(verifyCompiledArtifact(module, DIGEST, trusted)), 'E_COMPILED_UNSIGNED');
  // A run attestation (what `audit export` signs) naming the module's digest does not vouch for its compilation.
  const attestation = { _type: IN_TOTO_STATEMENT_TYPE, subject: [{ name: 'm.mission.ts', digest: { sha256: DIGEST } }], predicateType: RUN_PREDICATE_TYPE, predicate: {} } satisfies InTotoStatement;
  await writeFile(`${module}.intoto.json`, JSON.stringify(signStatement(attestation, { privateKey, keyId: keyIdOf(publicKey) })));
  assert.equal(codeOf(verifyCompiledArtifact(module, DIGEST, trusted)), 'E_COMPILED_UNSIGNED');
  // A correct statement with a tampered signature verifies with no key.
  const good = signStatement(statementFor(DIGEST), { privateKey, keyId: keyIdOf(publicKey) });
  const sig = Buffer.from(good.signatures[0]?.sig ?? '', 'base64');
  sig[0] = (sig[0] ?? 0) ^ 1;
  await writeFile(`${module}.intoto.json`, JSON.stringify({ ...good, signatures: [{ keyid: good.signatures[0]?.keyid, sig: sig.toString('base64') }] }));
  assert.equal(codeOf(verifyCompiledArtifact(module, DIGEST, trusted)), 'E_COMPILED_UNTRUSTED_SIGNER');
});

test('a trustedCompileKeys entry that is not a public key is E_CONFIG_INVALID at the config, never skipped', async (t) => {
  const dir = await tempDir(t, 'rc-sig-');
  // Its own key dir: the compile key is per user, and other tests of this run may have made one.
  process.env['RUSTCHAIN_KEY_DIR'] = join(dir, 'keys');
  t.after(() => delete process.env['RUSTCHAIN_KEY_DIR']);
  const configFile = join(dir, 'rustchain.config.json');
  const { publicKey } = generateKeyPairSync('ed25519');
  await writeFile(join(dir, 'ci.pub'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const keys = trustedCompileKeys({ stateDir: dir, entries: ['./ci.pub', publicKey.export({ type: 'spki', format: 'pem' }).toString()], configFile, configDir: dir });
  assert.deepEqual(keys.map((k) => k.origin), ['config trustedCompileKeys[0]', 'config trustedCompileKeys[1]']);
  assert.throws(
    () => trustedCompileKeys({ stateDir: dir, entries: ['./missing.pub'], configFile, configDir: dir }),
    (error: unknown) => error instanceof DiagnosticsError && error.diagnostics[0]?.code === 'E_CONFIG_INVALID' && error.diagnostics[0].pointer === '/trustedCompileKeys/0',
  );
});
