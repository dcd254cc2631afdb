import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildAuditReport, compileKeyPaths, COMPILE_PREDICATE_TYPE, renderAuditReport, verifyAttestation, verifyLedger, type DsseEnvelope,
} from '@rustchain/core';
import { json } from '../cli/harness.ts';
import { cliWorkdir } from '../compiler/helpers.ts';
import { assertModuleRefused, compiledArtifactOf, payloadOf, sha256, SLOW } from './compiled-harness.ts';

/**
 * Issue 11, signed compiled artifacts, end to end through the real CLI: `compile` writes a
 * DSSE-signed in-toto statement beside the module; `run` hashes the module BEFORE importing it
 * and refuses (exit 2) a module without a statement, with other bytes, or signed by an
 * untrusted key, so nothing of an edited module runs (its planted top level included);
 * `--allow-unsigned` is explicit and recorded; the ledger records the module's digest and
 * `audit export` names it. Untrusted signers and bundles: compiled-artifacts-trust.test.ts.
 */

const work = cliWorkdir();
const cli = work.cli;

/** A copy of the compiled module (and, unless `statement: false`, its statement) under another name, edited by `edit`. */
async function variant(name: string, edit: (text: string) => string, options: { statement?: boolean } = {}): Promise<string> {
  const text = await readFile(join(work.dir, 'signed.mission.ts'), 'utf8');
  await writeFile(join(work.dir, name), edit(text));
  if (options.statement !== false) await copyFile(join(work.dir, 'signed.mission.ts.intoto.json'), join(work.dir, `${name}.intoto.json`));
  return name;
}

test('compile writes a signed statement; the run verifies it, records the module digest, and audit export names the module', SLOW, async () => {
  const compiled = await cli(['compile', 'mission.yaml', '-o', 'signed.mission.ts']);
  assert.equal(compiled.code, 0, compiled.stderr);
  const module = await readFile(join(work.dir, 'signed.mission.ts'));
  const envelope = JSON.parse(await readFile(join(work.dir, 'signed.mission.ts.intoto.json'), 'utf8')) as DsseEnvelope;
  assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
  const publicPem = await readFile(compileKeyPaths(work.home).publicPath, 'utf8');
  const check = verifyAttestation(envelope, publicPem);
  assert.equal(check.ok, true, check.message);
  const statement = payloadOf(envelope);
  assert.equal(statement.predicateType, COMPILE_PREDICATE_TYPE);
  assert.deepEqual(statement.subject, [{ name: 'signed.mission.ts', digest: { sha256: sha256(module) } }]);
  const predicate = statement.predicate as { source: { path: string; sha256: string }; plugins: Array<{ package: string; version: string }>; compiler: { version: string } };
  assert.deepEqual(predicate.source, { path: './mission.yaml', sha256: sha256(await readFile(join(work.dir, 'mission.yaml'))) });
  assert.deepEqual(predicate.plugins.map((p) => p.package).sort(), ['@rustchain/plugin-create-file', '@rustchain/plugin-read-file']);
  assert.match(predicate.compiler.version, /^\d+\.\d+\.\d+/);
  // The compile key is not the ledger key, and it lives with it, outside the work dir.
  assert.ok(!compileKeyPaths(work.home).privatePath.startsWith(work.dir));

  const ran = await cli(['run', 'signed.mission.ts', '--json']);
  assert.equal(ran.code, 0, ran.stderr);
  const runId = json<{ runId: string }>(ran).runId;
  const compiledArtifact = compiledArtifactOf(work.home, runId);
  assert.equal(compiledArtifact?.payload['sha256'], sha256(module));
  const signature = compiledArtifact?.payload['signature'] as { verified: boolean; keyId: string };
  assert.equal(signature.verified, true);
  assert.equal(signature.keyId, envelope.signatures[0]?.keyid);
  assert.match(renderAuditReport(await buildAuditReport(work.home, { runId }), 'text'), new RegExp(`\\(signed by ${signature.keyId}\\)`));

  const exported = await cli(['audit', 'export', '--run', runId]);
  assert.equal(exported.code, 0, exported.stderr);
  const attestation = payloadOf(JSON.parse(exported.stdout) as DsseEnvelope);
  assert.equal(attestation.subject.length, 1);
  assert.equal(attestation.subject[0]?.digest.sha256, sha256(module));
  assert.ok(attestation.subject[0]?.name.endsWith('signed.mission.ts'), attestation.subject[0]?.name);
});

test('a one-character edit of a parameter: E_COMPILED_DIGEST_MISMATCH, exit 2, no step ran', SLOW, async () => {
  const name = await variant('edited.mission.ts', (text) => {
    assert.ok(text.includes("content: 'hello'"));
    return text.replace("content: 'hello'", "content: 'hellp'");
  });
  await rm(join(work.dir, 'hello.txt'), { force: true });
  const ran = await cli(['run', name, '--json']);
  await assertModuleRefused(work, ran, 'E_COMPILED_DIGEST_MISMATCH', name);
  assert.equal(existsSync(join(work.dir, 'hello.txt')), false);
});

test('a planted top-level statement is refused before import (sentinel absent); --allow-unsigned runs it and the ledger records why', SLOW, async () => {
  const plant = "import { writeFileSync } from 'node:fs';\nwriteFileSync('SENTINEL', 'x');\n";
  const name = await variant('planted.mission.ts', (text) => `${plant}${text}`);
  const sentinel = join(work.dir, 'SENTINEL');
  const refused = await cli(['run', name, '--json']);
  await assertModuleRefused(work, refused, 'E_COMPILED_DIGEST_MISMATCH', name);
  assert.equal(existsSync(sentinel), false, 'no code of the module ran');

  // The planted line is live code: only the explicit flag lets it run, and the ledger says so.
  const allowed = await cli(['run', name, '--allow-unsigned', '--json']);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stderr, /E_COMPILED_DIGEST_MISMATCH/);
  assert.equal(existsSync(sentinel), true);
  const runId = json<{ runId: string }>(allowed).runId;
  const artifact = compiledArtifactOf(work.home, runId);
  assert.equal(artifact?.payload['sha256'], sha256(await readFile(join(work.dir, name))));
  assert.deepEqual(
    { ...(artifact?.payload['signature'] as Record<string, unknown>), reason: '' },
    { verified: false, code: 'E_COMPILED_DIGEST_MISMATCH', reason: '', allowedUnsigned: '--allow-unsigned' },
  );
  const report = renderAuditReport(await buildAuditReport(work.home, { runId }), 'text');
  assert.match(report, /artifact compiled: .*planted\.mission\.ts sha256:\w+ \(unsigned: E_COMPILED_DIGEST_MISMATCH \(--allow-unsigned\)\)/);
  assert.equal((await verifyLedger(work.home)).ok, true);
});

test('a module with no statement beside it: E_COMPILED_UNSIGNED, exit 2', SLOW, async () => {
  const name = await variant('bare.mission.ts', (text) => text, { statement: false });
  await assertModuleRefused(work, await cli(['run', name, '--json']), 'E_COMPILED_UNSIGNED', name);
});
