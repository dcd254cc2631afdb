import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import fc from 'fast-check';
import { auditPaths, createLedgerSink, logAuditEvent, openLedger, redactSecrets, verifyLedger } from '@rustchain/core';
import { withStateDir } from './helpers.ts';

const SECRET = 's3cr3t/Tok+en=42?&x y';
const forms = {
  raw: SECRET,
  base64: Buffer.from(SECRET).toString('base64'),
  base64url: Buffer.from(SECRET).toString('base64url'),
  urlEncoded: encodeURIComponent(SECRET),
};

for (const [name, form] of Object.entries(forms)) {
  test(`redactSecrets replaces the ${name} form in nested strings and keys`, () => {
    const value = { a: `x${form}y`, list: [form, 1, null], [`k-${form}`]: true };
    const out = redactSecrets(value, [SECRET]);
    assert.equal(JSON.stringify(out).includes(form), false);
    assert.deepEqual(out, { a: 'x***y', list: ['***', 1, null], 'k-***': true });
  });
}

test('property: no form of a secret survives redaction, wherever it sits in a string', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 4, maxLength: 24 }).filter((s) => !s.includes('*')), fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (secret, before, after) => {
      const forms = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
      const out = redactSecrets({ v: forms.map((f) => before + f + after) }, [secret]);
      for (const text of out.v) for (const form of forms) assert.equal(text.includes(form), false, `${JSON.stringify(form)} in ${JSON.stringify(text)}`);
    }),
    { numRuns: 300 },
  );
});

test('a secret handed to the sink or to logAuditEvent never reaches the ledger file, and the ledger verifies', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    const sink = createLedgerSink(ledger, { secrets: [SECRET] });
    sink.onEvent({ type: 'step.failed', runId: 'r', stepId: 's', attempt: 1, durationMs: 1, error: { code: 'E_STEP_FAILED', message: `token ${forms.base64} leaked`, details: { url: `https://h/?t=${forms.urlEncoded}`, raw: SECRET } } });
    sink.record({ runId: 'r', type: 'policy.decision', payload: { stepId: 's', decision: 'denied', code: 'E_POLICY_ENV_DENIED', message: forms.base64url } });
    await sink.close();
    await logAuditEvent(dir, { runId: 'r', type: 'note', payload: { text: `pem:\n${SECRET}\n` } }, { secrets: [SECRET] });
    const text = await readFile(auditPaths(dir).ledger, 'utf8');
    for (const [name, form] of Object.entries(forms)) assert.equal(text.includes(form), false, `${name} form in the ledger`);
    assert.ok(text.includes('***'));
    assert.equal((await verifyLedger(dir)).ok, true);
  });
});
