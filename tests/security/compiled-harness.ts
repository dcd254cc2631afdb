import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { DsseEnvelope, InTotoStatement } from '@rustchain/core';
import { verifyLedger } from '@rustchain/core';
import { json, type CliRun } from '../cli/harness.ts';
import type { CliWorkdir } from '../compiler/helpers.ts';
import { readLedger, type LedgerLine } from './harness.ts';

/** Shared checks of the signed-compiled-artifact tests (compiled-artifacts*.test.ts). */

/** Each CLI start transpiles the sources: a generous per-test budget on a loaded machine. */
export const SLOW = { timeout: 600_000 };

interface Diagnostics { diagnostics: Array<{ code: string; file: string }> }

/** SHA-256 hex. */
export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** The statement inside a DSSE envelope. */
export const payloadOf = (envelope: DsseEnvelope): InTotoStatement => JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as InTotoStatement;

/** The `run.artifact` events of one run in a state dir's ledger. */
function artifactsOf(home: string, runId: string): LedgerLine[] {
  return readLedger(home).filter((e) => e.type === 'run.artifact' && (e as LedgerLine & { runId: string }).runId === runId);
}

/** The signature check a run recorded for its compiled module. */
export function compiledArtifactOf(home: string, runId: string): LedgerLine | undefined {
  return artifactsOf(home, runId).find((e) => e.payload['kind'] === 'compiled');
}

/** Exit 2 with exactly `code` at the module, and the refusal (with that code) in a ledger that verifies. */
export async function assertModuleRefused(work: CliWorkdir, run: CliRun, code: string, module: string): Promise<void> {
  assert.equal(run.code, 2, run.stderr);
  const diagnostics = json<Diagnostics>(run).diagnostics;
  assert.deepEqual(diagnostics.map((d) => d.code), [code]);
  assert.ok(diagnostics[0]?.file.endsWith(module), diagnostics[0]?.file);
  assert.ok(readLedger(work.home).some((e) => e.type === 'mission.rejected' && e.payload['code'] === code), `ledger records ${code}`);
  assert.equal((await verifyLedger(work.home)).ok, true);
}
