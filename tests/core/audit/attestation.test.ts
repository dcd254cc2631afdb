import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  artifactInput, createLedgerSink, exportAttestation, IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE, keyPaths, openLedger,
  pluginVersionsInput, preAuthEncoding, RUN_PREDICATE_TYPE, verifyAttestation,
} from '@rustchain/core';
import type { DsseEnvelope, RunEvent } from '@rustchain/core';
import { readLines, withStateDir, writeLines } from './helpers.ts';

const COMPILED = 'c'.repeat(64);
const MISSION = 'a'.repeat(64);

async function recordRun(dir: string, runId: string, compiled: boolean): Promise<void> {
  const ledger = await openLedger(dir);
  const sink = createLedgerSink(ledger);
  sink.record(pluginVersionsInput(runId, { '@rustchain/plugin-noop': '0.1.0' }));
  if (compiled) sink.record(artifactInput(runId, 'compiled', 'm.mission.ts', COMPILED));
  const events: RunEvent[] = [
    { type: 'run.started', runId, mission: 'm.yaml', missionSha256: MISSION, steps: 1 },
    { type: 'step.started', runId, stepId: 'a', attempt: 1 },
    { type: 'step.succeeded', runId, stepId: 'a', attempt: 1, durationMs: 4, outputs: { ok: true } },
    { type: 'run.finished', runId, status: 'succeeded', durationMs: 9 },
  ];
  for (const e of events) sink.onEvent(e);
  await sink.close();
}

test('DSSE PAE matches the spec example encoding', () => {
  assert.equal(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
});

const subjects = [
  { name: 'compiled module', compiled: true, subject: { name: 'm.mission.ts', digest: { sha256: COMPILED } } },
  { name: 'mission file', compiled: false, subject: { name: 'm.yaml', digest: { sha256: MISSION } } },
];
for (const { name, compiled, subject } of subjects) {
  test(`export: an in-toto Statement v1 whose subject is the ${name} digest verifies offline with the ledger public key`, async () => {
    await withStateDir(async (dir) => {
      await recordRun(dir, 'run-1', compiled);
      await recordRun(dir, 'run-2', compiled);
      const envelope = await exportAttestation(dir, 'run-1');
      assert.equal(envelope.payloadType, IN_TOTO_PAYLOAD_TYPE);
      const pem = await readFile(keyPaths(dir).publicPath, 'utf8');
      const check = verifyAttestation(envelope, pem);
      assert.equal(check.ok, true, check.message);
      assert.equal(check.statement?._type, IN_TOTO_STATEMENT_TYPE);
      assert.equal(check.statement?.predicateType, RUN_PREDICATE_TYPE);
      assert.deepEqual(check.statement?.subject, [subject]);
      assert.equal(check.statement?.predicate.runId, 'run-1');
      assert.equal(check.statement?.predicate.status, 'succeeded');
    });
  });
}

const tamperings: Array<{ name: string; tamper: (e: DsseEnvelope) => unknown }> = [
  { name: 'payload edited', tamper: (e) => ({ ...e, payload: Buffer.from(Buffer.from(e.payload, 'base64').toString().replace('succeeded', 'failed')).toString('base64') }) },
  { name: 'payloadType changed', tamper: (e) => ({ ...e, payloadType: 'application/json' }) },
  { name: 'signature flipped', tamper: (e) => ({ ...e, signatures: e.signatures.map((s) => ({ ...s, sig: Buffer.from(Buffer.from(s.sig, 'base64').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64') })) }) },
  { name: 'signatures removed', tamper: (e) => ({ ...e, signatures: [] }) },
  { name: 'not an envelope', tamper: () => ({ hello: 'world' }) },
];
for (const { name, tamper } of tamperings) {
  test(`a tampered attestation (${name}) fails with E_AUDIT_ATTESTATION_INVALID`, async () => {
    await withStateDir(async (dir) => {
      await recordRun(dir, 'run-1', true);
      const envelope = await exportAttestation(dir, 'run-1');
      const check = verifyAttestation(tamper(envelope), await readFile(keyPaths(dir).publicPath, 'utf8'));
      assert.deepEqual([check.ok, check.code], [false, 'E_AUDIT_ATTESTATION_INVALID']);
    });
  });
}

test('an attestation does not verify with another key', async () => {
  await withStateDir(async (dir) => {
    await recordRun(dir, 'run-1', true);
    const envelope = await exportAttestation(dir, 'run-1');
    const other = generateKeyPairSync('ed25519').publicKey;
    assert.deepEqual([verifyAttestation(envelope, other).ok], [false]);
  });
});

test('export refuses an unknown run (E_AUDIT_RUN_NOT_FOUND) and a tampered ledger (E_AUDIT_CHAIN_BROKEN)', async () => {
  await withStateDir(async (dir) => {
    await recordRun(dir, 'run-1', true);
    await assert.rejects(exportAttestation(dir, 'nope'), (e: { code?: string }) => e.code === 'E_AUDIT_RUN_NOT_FOUND');
    const lines = await readLines(dir);
    const at = lines.findIndex((l) => l.includes('"attempt":1'));
    assert.ok(at > 0);
    await writeLines(dir, lines.map((l, i) => (i === at ? l.replace('"attempt":1', '"attempt":7') : l)));
    await assert.rejects(exportAttestation(dir, 'run-1'), (e: { code?: string }) => e.code === 'E_AUDIT_CHAIN_BROKEN');
  });
});
