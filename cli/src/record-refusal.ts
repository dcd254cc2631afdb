import type { Diagnostic, Mission, Project } from '@rustchain/core';

/**
 * Records a refused run in the audit ledger before the CLI exits 2, so the ledger shows
 * every refusal, not only the runs that started (SECURITY-CATALOGUE invariant (c)): one
 * `policy.decision` (denied) per policy violation, one `mission.rejected` per other error.
 * A ledger failure here never hides the refusal itself: it is reported on stderr.
 */
export async function recordRefusal(project: Project, file: string, mission: Mission | null, diagnostics: readonly Diagnostic[]): Promise<void> {
  const core = await import('@rustchain/core');
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return;
  const stepIdOf = (pointer: string | undefined): string | null => {
    const index = /^\/steps\/(\d+)/.exec(pointer ?? '')?.[1];
    return index === undefined ? null : (mission?.steps[Number(index)]?.id ?? null);
  };
  const inputs = errors.map((d) =>
    d.code.startsWith('E_POLICY_') && d.code !== 'E_POLICY_FILE_INVALID'
      ? core.policyDecisionInput(null, { stepId: stepIdOf(d.pointer), decision: 'denied', code: d.code, message: d.message })
      : { runId: null, type: 'mission.rejected', payload: { file, code: d.code, line: d.line, column: d.column, pointer: d.pointer ?? null } },
  );
  try {
    const ledger = await core.openLedger(project.stateDir);
    await ledger.appendBatch(inputs, { signHead: true });
  } catch (error) {
    process.stderr.write(`rustchain: warning: could not record the refusal in the audit ledger: ${(error as Error).message}\n`);
  }
}
