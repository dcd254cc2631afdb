/**
 * One run's audit record, opened the same way by every runner (the CLI's `mission execute` /
 * `run`, and a bundle's `node out.mjs`): the ledger of the state dir, the plugin versions,
 * the mission digest, the compiled artifact (module or bundle) with its signature check, the
 * granted policy, then every run event, with runtime policy refusals and sandbox fallbacks
 * recorded beside them.
 */
import type { RunEvent } from '../engine/types.ts';
import type { RustchainError } from '../errors.ts';
import { policyGrantedInput, type PolicyGrant } from '../policy/grant.ts';
import { onSandboxFallback, sandboxFallbackInput } from '../sandbox/fallback.ts';
import { onSandboxNetDenied } from '../sandbox/net-denials.ts';
import type { SecretRedactor } from '../secrets/redactor.ts';
import { openLedger } from './ledger.ts';
import { artifactInput, planInput, pluginVersionsInput, policyDecisionInput } from './run-events.ts';
import { createLedgerSink } from './sink.ts';
import type { LedgerInput } from './types.ts';

/** The compiled module or bundle a run executes, as its `run.artifact` event records it. */
export interface CompiledRunArtifact {
  /** Path of the module or bundle (absolute). */
  path: string;
  /** SHA-256 hex of the exact bytes that ran. */
  sha256: string;
  /** The signature check: `{ verified, keyId | code, reason, allowedUnsigned }`; absent for a bundle (it runs itself). */
  signature?: Record<string, unknown>;
  bundle?: boolean;
}

/** Options of `openRunLedger`. */
export interface RunLedgerOptions {
  stateDir: string;
  runId: string;
  /** The mission source as the run saw it. */
  mission: { file: string; sha256: string };
  /** The mission's steps (main and finally): recorded as `run.plan` so a report can draw the DAG. */
  plan?: ReadonlyArray<{ id: string; type: string; dependsOn: readonly string[] }> | undefined;
  /** Plugin package → version. */
  plugins: Readonly<Record<string, string>>;
  compiled?: CompiledRunArtifact | undefined;
  /** What the run was granted: recorded as `policy.granted` before any step. */
  grant?: PolicyGrant | undefined;
  redactor: SecretRedactor;
  durability?: 'fsync' | 'none' | undefined;
  onError?: (error: RustchainError) => void;
  /** Where the one warning about a sandbox fallback goes (default: process.stderr). */
  warn?: (text: string) => void;
}

/** What a runner talks to. */
export interface RunLedger {
  /** Synchronous; throws the ledger's write error so the executor fails closed. */
  onEvent(event: RunEvent): void;
  /** Resolves once every event so far is committed; the executor's write-ahead barrier. */
  barrier(): Promise<void>;
  /** Flushes the ledger and signs its head; rejects with E_AUDIT_WRITE_FAILED if a write failed. */
  close(): Promise<void>;
  /** Records a ledger event other than a run event (run.interrupted, run.resumed, sandbox.fallback). */
  record(input: LedgerInput): void;
}

/** Opens the ledger of `stateDir` for one run and records what the run is before any step. */
export async function openRunLedger(options: RunLedgerOptions): Promise<RunLedger> {
  const { runId, redactor } = options;
  const ledger = await openLedger(options.stateDir, { fsync: options.durability !== 'none' });
  // Refuse before anything runs (exit 2) rather than fail the first write mid-run.
  await ledger.check();
  const sink = createLedgerSink(ledger, { redactor, ...(options.onError === undefined ? {} : { onError: options.onError }) });
  sink.record(pluginVersionsInput(runId, options.plugins));
  sink.record(artifactInput(runId, 'mission', options.mission.file, options.mission.sha256));
  if (options.plan !== undefined) sink.record(planInput(runId, options.plan));
  const compiled = options.compiled;
  if (compiled !== undefined) {
    const details: Record<string, unknown> = {};
    if (compiled.signature !== undefined) details['signature'] = compiled.signature;
    if (compiled.bundle === true) details['bundle'] = true;
    sink.record(artifactInput(runId, 'compiled', compiled.path, compiled.sha256, details));
  }
  if (options.grant !== undefined) sink.record(policyGrantedInput(runId, redactor.value(options.grant)));
  // A command that ran without the sandbox the policy preferred: one warning, a ledger event per step.
  const warn = options.warn ?? ((text: string) => process.stderr.write(text));
  let warned = false;
  const unsubscribe = onSandboxFallback((fallback) => {
    if (fallback.runId !== runId) return;
    if (!warned) warn(`rustchain: warning: step ${fallback.stepId ?? '?'}: ${redactor.text(fallback.reason)}\n`);
    warned = true;
    sink.record(sandboxFallbackInput(fallback));
  });
  // A sandboxed command's connection the filtering proxy refused: the command saw a 403.
  const unsubscribeNet = onSandboxNetDenied((denial) => {
    if (denial.runId !== runId) return;
    const message = redactor.text(`sandboxed \`${denial.command}\` through the network proxy: ${denial.error.message}`);
    sink.record(policyDecisionInput(runId, { stepId: denial.stepId, decision: 'denied', code: denial.error.code, message }));
  });
  return {
    onEvent(event) {
      if (sink.error !== null) throw sink.error;
      sink.onEvent(event);
      // A runtime guard's refusal is a policy decision too, recorded next to the failed step.
      if (event.type === 'step.failed' && event.error.code.startsWith('E_POLICY_')) {
        sink.record(policyDecisionInput(runId, { stepId: event.stepId, decision: 'denied', code: event.error.code, message: redactor.text(event.error.message) }));
      }
    },
    barrier: () => sink.barrier(),
    close: () => {
      unsubscribe();
      unsubscribeNet();
      return sink.close();
    },
    record: (input) => sink.record(input),
  };
}
