/**
 * fast-check: random ledgers written through the real API, then one mutation; verify must
 * fail with the right problem, code and first bad seq (definitions in core/src/audit/chain.ts
 * and verify.ts), and the unmutated ledger must always verify.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import fc from 'fast-check';
import { auditPaths, canonicalJson, computeEventHash, GENESIS_HASH, openLedger, verifyLedger } from '@rustchain/core';
import type { LedgerEvent, LedgerHead, LedgerInput, VerifyReport } from '@rustchain/core';
import { readEvents, withStateDir, writeLines } from './helpers.ts';

const json = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
const inputArb: fc.Arbitrary<LedgerInput> = fc.record({
  runId: fc.option(fc.constantFrom('run-a', 'run-b', 'run-c'), { nil: null }),
  type: fc.constantFrom('run.started', 'step.started', 'step.succeeded', 'policy.decision', 'run.finished'),
  payload: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), json, { maxKeys: 4 }),
});
/** 1–60 events, appended through the real API in 1–4 batches. */
const ledgerArb = fc.array(inputArb, { minLength: 1, maxLength: 60 }).chain((inputs) =>
  fc.array(fc.integer({ min: 1, max: inputs.length }), { minLength: 0, maxLength: 3 }).map((cuts) => ({ inputs, cuts })));

const FIELDS = ['seq', 'ts', 'runId', 'type', 'payload', 'prev', 'hash'] as const;
type Mutation =
  | { kind: 'none' }
  | { kind: 'modify'; at: number; field: (typeof FIELDS)[number] }
  | { kind: 'delete'; at: number }
  | { kind: 'insert'; at: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'truncate'; k: number }
  | { kind: 'resign'; keepKeyId: boolean }
  | { kind: 'rechain'; at: number };

/** A mutation for a ledger of n events (position picks are fractions, scaled to n). */
const mutationArb = fc.oneof(
  fc.constant({ kind: 'none' } as const),
  fc.record({ kind: fc.constant('modify' as const), at: fc.double({ min: 0, max: 0.999, noNaN: true }), field: fc.constantFrom(...FIELDS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.double({ min: 0, max: 0.999, noNaN: true }), b: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.record({ kind: fc.constant('truncate' as const), k: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.record({ kind: fc.constant('resign' as const), keepKeyId: fc.boolean() }),
  fc.record({ kind: fc.constant('rechain' as const), at: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
);

type Expected = Pick<VerifyReport, 'ok' | 'problem' | 'code' | 'firstBadSeq'>;
const otherKey = generateKeyPairSync('ed25519').privateKey;
const idx = (f: number, n: number): number => Math.floor(f * n);
const rehash = (e: Omit<LedgerEvent, 'hash'>): LedgerEvent => ({ ...e, hash: computeEventHash(e) });
const flipHex = (h: string): string => `${h[0] === 'a' ? 'b' : 'a'}${h.slice(1)}`;

function changeField(e: LedgerEvent, field: (typeof FIELDS)[number]): LedgerEvent {
  switch (field) {
    case 'seq': return { ...e, seq: e.seq + 1 };
    case 'ts': return { ...e, ts: e.ts.replace(/^\d/, (d) => String((Number(d) + 1) % 10)) };
    case 'runId': return { ...e, runId: e.runId === 'forged' ? null : 'forged' };
    case 'type': return { ...e, type: `${e.type}.x` };
    case 'payload': return { ...e, payload: { ...e.payload, injected: true } };
    case 'prev': return { ...e, prev: flipHex(e.prev) };
    case 'hash': return { ...e, hash: flipHex(e.hash) };
  }
}

/** Apply a mutation to the files and say what verify must report. */
async function mutate(dir: string, m: Mutation, events: LedgerEvent[]): Promise<Expected> {
  const n = events.length;
  const lines = events.map((e) => JSON.stringify(e));
  const chainBroken = (problem: Expected['problem'], firstBadSeq: number): Expected => ({ ok: false, problem, code: 'E_AUDIT_CHAIN_BROKEN', firstBadSeq });
  switch (m.kind) {
    case 'none':
      return { ok: true, problem: null, code: null, firstBadSeq: null };
    case 'modify': {
      const at = idx(m.at, n);
      lines[at] = JSON.stringify(changeField(events[at] as LedgerEvent, m.field));
      await writeLines(dir, lines);
      return chainBroken('modified', at);
    }
    case 'delete': {
      const at = idx(m.at, n);
      lines.splice(at, 1);
      await writeLines(dir, lines);
      // Deleting the last line is indistinguishable from truncating the tail by one.
      return at === n - 1 ? { ok: false, problem: 'truncated', code: 'E_AUDIT_TRUNCATED', firstBadSeq: n - 1 } : chainBroken('missing', at);
    }
    case 'insert': {
      const at = idx(m.at, n);
      const forged = rehash({ seq: at, ts: new Date().toISOString(), runId: 'evil', type: 'step.succeeded', payload: { forged: true }, prev: at === 0 ? GENESIS_HASH : (events[at - 1] as LedgerEvent).hash });
      lines.splice(at, 0, JSON.stringify(forged));
      await writeLines(dir, lines);
      return chainBroken('inserted', at);
    }
    case 'swap': {
      const [a, b] = [idx(m.a, n), idx(m.b, n)].sort((x, y) => x - y) as [number, number];
      if (a === b) return mutate(dir, { kind: 'none' }, events);
      [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
      await writeLines(dir, lines);
      return chainBroken('reordered', a);
    }
    case 'truncate': {
      const k = 1 + idx(m.k, n);
      await writeLines(dir, lines.slice(0, n - k));
      return { ok: false, problem: 'truncated', code: 'E_AUDIT_TRUNCATED', firstBadSeq: n - k };
    }
    case 'resign': {
      const path = auditPaths(dir).head;
      const head = JSON.parse(await readFile(path, 'utf8')) as LedgerHead;
      const keyId = m.keepKeyId ? head.keyId : 'f'.repeat(16);
      const unsigned = { seq: head.seq, hash: head.hash, ts: head.ts, keyId };
      const signature = sign(null, Buffer.from(canonicalJson(unsigned)), otherKey).toString('base64');
      await writeFile(path, JSON.stringify({ ...unsigned, signature }));
      return { ok: false, problem: 'bad-signature', code: 'E_AUDIT_HEAD_SIGNATURE', firstBadSeq: head.seq };
    }
    case 'rechain': {
      const at = idx(m.at, n);
      const out: LedgerEvent[] = events.slice(0, at);
      for (let i = at; i < n; i++) {
        const e = events[i] as LedgerEvent;
        const prev = i === 0 ? GENESIS_HASH : (out[i - 1] as LedgerEvent).hash;
        out.push(rehash({ ...e, prev, payload: i === at ? { ...e.payload, rewritten: true } : e.payload }));
      }
      await writeLines(dir, out.map((e) => JSON.stringify(e)));
      // The chain alone is valid again; only the signed head (seq n - 1) catches it.
      return { ok: false, problem: 'modified', code: 'E_AUDIT_HEAD_MISMATCH', firstBadSeq: n - 1 };
    }
  }
}

test('any single mutation of a random ledger fails verify with the right seq and problem', async () => {
  await fc.assert(
    fc.asyncProperty(ledgerArb, mutationArb, async ({ inputs, cuts }, mutation) => {
      await withStateDir(async (dir) => {
        const ledger = await openLedger(dir);
        const bounds = [...new Set([0, ...cuts, inputs.length])].sort((a, b) => a - b);
        for (let i = 0; i + 1 < bounds.length; i++) {
          await ledger.appendBatch(inputs.slice(bounds[i], bounds[i + 1]), { signHead: i + 2 === bounds.length });
        }
        const events = await readEvents(dir);
        assert.equal(events.length, inputs.length);
        const expected = await mutate(dir, mutation as Mutation, events);
        const report = await verifyLedger(dir);
        assert.deepEqual(
          { ok: report.ok, problem: report.problem, code: report.code, firstBadSeq: report.firstBadSeq },
          expected,
          `${JSON.stringify(mutation)} on ${events.length} events: ${report.message}`,
        );
      });
    }),
    { numRuns: 150 },
  );
});
