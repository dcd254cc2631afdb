import { Command, Option } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';
import { resolveRunId } from '../../run-id.ts';

/** `rustchain audit compare <run> <other>`: do two runs' network calls match (a replay and its recording)? */
export class AuditCompareCommand extends ProjectCommand {
  static override paths = [['audit', 'compare']];

  static override usage = Command.Usage({
    category: 'Audit',
    description: 'Compare the network calls of two runs (a replay against its recording) by their ledger digests',
    details: `
      Every call a step makes through ctx.fetch is in the ledger with the digest of its canonical
      request (secrets excluded) and of its response. This pairs the calls of two runs by step,
      attempt and call number and compares method, URL, status and both digests: a run replayed
      with \`--replay\` matches the run recorded with \`--record\` when every pair is equal. Exits 0
      when they all match, 1 when any differs or the ledger does not verify.
    `,
    examples: [
      ['Did the replay make the recorded calls?', '$0 audit compare 3f2a 9c1e'],
      ['As JSON', '$0 audit compare 3f2a 9c1e --json'],
    ],
  });

  /** The first run (e.g. the recording). */
  left = Option.String({ name: 'run' });

  /** The second run (e.g. the replay). */
  right = Option.String({ name: 'other' });

  override async run(): Promise<number> {
    const core = await import('@rustchain/core');
    const { stateDir } = await this.project();
    const ids = [await resolveRunId(stateDir, this.left), await resolveRunId(stateDir, this.right)];
    const report = await core.buildAuditReport(stateDir);
    const [left, right] = ids.map((id) => {
      const run = report.runs.find((r) => r.runId === id);
      if (run === undefined) throw new core.RustchainError('E_AUDIT_RUN_NOT_FOUND', `no run ${id} in the audit ledger`);
      return run;
    });
    const comparison = core.compareRunCalls(left!, right!);
    this.context.stdout.write(this.json ? `${JSON.stringify({ integrity: report.integrity.ok, ...comparison }, null, 2)}\n` : core.renderCallComparison(comparison));
    return report.integrity.ok && comparison.equal ? EXIT.ok : EXIT.failed;
  }
}
