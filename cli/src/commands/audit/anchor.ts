import { Command, Option, UsageError } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';

/** `rustchain audit anchor --to <target>`: publish the current signed head to a second place. */
export class AuditAnchorCommand extends ProjectCommand {
  static override paths = [['audit', 'anchor']];

  static override usage = Command.Usage({
    category: 'Audit',
    description: 'Publish the ledger\'s current signed head to a file, a directory or a git ref',
    details: `
      Verifies the ledger first (a ledger that does not verify is not anchored, exit 1), then
      publishes its signed head: to a file (one JSON line appended), a directory (\`<seq>.json\`;
      an existing directory or a path ending in \`/\`), or a git repository
      (\`git:<repo-path>#<ref>\`, default ref \`refs/rustchain/anchors\`: a commit holding
      \`head.json\`, parented on the previous anchor). \`audit verify --anchor <same>\` then reports a
      ledger behind an anchored head as E_AUDIT_ROLLBACK and a missing one as E_AUDIT_MISSING,
      even if everything on this machine was rolled back. Put the anchor where the runs' writers
      cannot write (another disk, a repository pushed elsewhere).
    `,
    examples: [
      ['Append the head to a file', '$0 audit anchor --to /mnt/witness/heads.jsonl'],
      ['Write <seq>.json into a directory', '$0 audit anchor --to /mnt/witness/heads/'],
      ['Commit it to a git ref', '$0 audit anchor --to git:../audit-witness#refs/rustchain/anchors'],
      ['Publish to every anchor of config audit.anchors', '$0 audit anchor'],
    ],
  });

  /** Where to publish. */
  to = Option.String('--to', { description: 'A file, a directory, or git:<repo>#<ref> (default: config audit.anchors)' });

  override async run(): Promise<number> {
    const core = await import('@rustchain/core');
    const { stateDir, config, dir } = await this.projectState();
    const specs = this.to !== undefined ? [{ spec: this.to, base: this.cwd() }] : (config.audit?.anchors ?? []).map((spec) => ({ spec, base: dir }));
    if (specs.length === 0) throw new UsageError('audit anchor needs --to <target> (or config audit.anchors)');
    const targets = await Promise.all(specs.map(({ spec, base }) => core.parseAnchorTarget(spec, base)));
    const report = await core.verifyLedger(stateDir);
    if (!report.ok || report.head === null) {
      const why = report.ok ? 'the ledger is empty (nothing to anchor)' : `the ledger does not verify (${report.code}): ${report.message}`;
      if (this.json) this.context.stdout.write(`${JSON.stringify({ ok: false, code: report.code, message: why }, null, 2)}\n`);
      else this.context.stderr.write(`not anchored: ${why}\n`);
      return EXIT.failed;
    }
    const anchors: string[] = [];
    for (const target of targets) {
      await core.publishAnchor(target, report.head);
      anchors.push(core.describeAnchor(target));
    }
    if (this.json) this.context.stdout.write(`${JSON.stringify({ ok: true, anchors, head: report.head }, null, 2)}\n`);
    else for (const where of anchors) this.context.stdout.write(`anchored seq ${report.head.seq} (${report.head.hash.slice(0, 12)}) to ${where}\n`);
    return EXIT.ok;
  }
}
