/** Step parameters and outputs are recorded as the digest of their canonical JSON, empty or not. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { digestJson, runEventToLedgerInput, type RunEvent } from '@rustchain/core';

const CTX = { user: 'u', host: 'h', pid: 1 };

function digests(value: Record<string, unknown>): { params: unknown; outputs: unknown } {
  const started: RunEvent = { type: 'step.started', runId: 'r', stepId: 's', attempt: 1, params: value };
  const succeeded: RunEvent = { type: 'step.succeeded', runId: 'r', stepId: 's', attempt: 1, durationMs: 1, outputs: value };
  return {
    params: runEventToLedgerInput(started, CTX).payload['paramsDigest'],
    outputs: runEventToLedgerInput(succeeded, CTX).payload['outputsDigest'],
  };
}

test('the params and outputs digests are sha256 of the canonical JSON, for any record', () => {
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), (value) => {
    const expected = `sha256:${digestJson(value)}`;
    assert.deepEqual(digests(value), { params: expected, outputs: expected });
  }), { numRuns: 200 });
});

test('empty records take the constant digest; look-alikes of an empty record do not', () => {
  const empty = `sha256:${digestJson({})}`;
  assert.deepEqual(digests({}), { params: empty, outputs: empty });
  assert.deepEqual(digests(Object.create(null) as Record<string, unknown>), { params: empty, outputs: empty });
  // No own keys but a toJSON (inherited): canonical JSON is what toJSON returns, not {}.
  class Stamp {
    toJSON(): string {
      return 'stamp';
    }
  }
  const stamp = new Stamp() as unknown as Record<string, unknown>;
  const expected = `sha256:${digestJson(stamp)}`;
  assert.notEqual(expected, empty);
  assert.deepEqual(digests(stamp), { params: expected, outputs: expected });
  // A key whose value is undefined is left out of JSON: still {}.
  assert.deepEqual(digests({ gone: undefined }), { params: `sha256:${digestJson({ gone: undefined })}`, outputs: `sha256:${digestJson({ gone: undefined })}` });
});
