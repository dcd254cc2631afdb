import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'clipanion';
import type { AuditReportFormat } from '@rustchain/core';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';
import { resolveRunId } from '../../run-id.ts';

/** `rustchain audit report`: what each run did, from the audit ledger. */
export class AuditReportCommand extends ProjectCommand {
  static override paths = [['audit', 'report']];

  static override usage = Command.Usage({
    category: 'Audit',
    description: 'Summarise runs from the audit ledger',
    details: `
      Per run: steps with status, attempts, durations and output digests, policy decisions, plugin
      versions, and mission / compiled-artifact digests. \`--format html\` writes one self-contained
      page (no network) with the dependency graph, a timeline of when each step ran with the
      critical path highlighted, each step's attempts, and the policy grants and refusals. The
      ledger's integrity is checked first and shown at the top; the command exits 1 when the
      ledger does not verify.
    `,
    examples: [
      ['Every run, as text', '$0 audit report'],
      ['One run as markdown (for a PR comment)', '$0 audit report --run 3f2a... --format markdown'],
      ['As JSON', '$0 audit report --json'],
      ['One run as a self-contained HTML page (DAG, timeline, critical path)', '$0 audit report --format html --run 3f2a... -o report.html'],
    ],
  });

  /** Only this run. */
  run_ = Option.String('--run', { description: 'Report only this run id' });

  /** Output format (`--json` wins). */
  format = Option.String('--format', 'text', { description: 'text, markdown, json or html (default text)' });

  /** Where to write the report (default stdout). */
  output = Option.String('-o,--output', { description: 'Write the report to this file instead of stdout' });

  override async run(): Promise<number> {
    const core = await import('@rustchain/core');
    const format = this.json ? 'json' : this.format;
    if (!(core.AUDIT_REPORT_FORMATS as readonly string[]).includes(format)) {
      throw Object.assign(new Error(`--format must be one of ${core.AUDIT_REPORT_FORMATS.join(', ')}`), { clipanion: { type: 'usage' } });
    }
    const { stateDir } = await this.project();
    const runId = this.run_ === undefined ? undefined : await resolveRunId(stateDir, this.run_);
    const report = await core.buildAuditReport(stateDir, runId === undefined ? {} : { runId });
    if (this.run_ !== undefined && report.runs.length === 0) {
      throw new core.RustchainError('E_AUDIT_RUN_NOT_FOUND', `no run ${this.run_} in the audit ledger`);
    }
    const rendered = core.renderAuditReport(report, format as AuditReportFormat);
    if (this.output === undefined) this.context.stdout.write(rendered);
    else await writeFile(resolve(this.cwd(), this.output), rendered);
    return report.integrity.ok ? EXIT.ok : EXIT.failed;
  }
}
