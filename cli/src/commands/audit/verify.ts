import { readFile } from 'node:fs/promises';
import { Command, Option, UsageError } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';

/** `rustchain audit verify`: check the ledger's hash chain and signed head, or an attestation. */
export class AuditVerifyCommand extends ProjectCommand {
  static override paths = [['audit', 'verify']];

  static override usage = Command.Usage({
    category: 'Audit',
    description: 'Verify the audit ledger (hash chain + signed head) or an exported attestation',
    details: `
      Exits 0 when the ledger is intact, 1 naming the first bad seq and what is wrong: modified,
      missing, inserted, reordered, truncated, bad-signature, or torn-tail (a crash mid-append,
      not tampering), or head-behind (events after the last head signature: a crash before
      signing, a run in progress, or events appended without the key — unauthenticated until
      re-signed). A ledger behind the signed head kept beside the key (or an anchored one:
      \`--anchor\`, else config \`audit.anchors\`) is rolled-back (E_AUDIT_ROLLBACK); a missing
      ledger with such a head is E_AUDIT_MISSING.
      \`--repair\` handles every state a crash or power loss leaves: it cuts a torn
      last record, re-signs a missing head or one that is behind (check those events first), and
      when the head or head log names records the disk lost (truncated after power loss) it drops
      those heads and signs the ledger as it is, recording the lost seqs. Whatever it cuts or
      replaces is copied to \`audit/repaired-<ts>/\` first; it records an \`audit.repaired\` event
      and verifies again. It never repairs tampering (a broken chain, a foreign or mismatched head).
      Verify streams the ledger segment by segment in bounded memory (progress on a terminal);
      \`--since <seq|segment:N|last>\` checks only from the signed head at or before that seq, the
      start of segment N, or where the last ok verify got to.
      \`--attestation <file>\` checks a DSSE envelope from \`audit export\` offline instead.
    `,
    examples: [
      ['Verify the ledger', '$0 audit verify'],
      ['Repair a torn tail after a crash', '$0 audit verify --repair'],
      ['Check only what was appended since the last ok verify', '$0 audit verify --since last'],
      ['Check an attestation with a given public key', '$0 audit verify --attestation run.intoto.json --public-key ledger.pub'],
    ],
  });

  /** Repair a torn tail / missing head on request. */
  repair = Option.Boolean('--repair', false, { description: 'Truncate a torn last record and record the repair' });

  /** Incremental check start: a seq, `segment:N`, or `last`. */
  since = Option.String('--since', { description: 'Check from the signed head at or before this seq, segment:N, or last (the last ok verify)' });

  /** Check this DSSE envelope instead of the ledger. */
  attestation = Option.String('--attestation', { description: 'Verify this attestation (DSSE envelope) offline' });

  /** Anchors (from `audit anchor --to`) the ledger must reach. */
  anchors = Option.Array('--anchor', { description: 'Check against the heads anchored here (a file, a directory, or git:<repo>#<ref>); repeatable' });

  /** Trust this public key (PEM) instead of the state dir's own. */
  publicKey = Option.String('--public-key', { description: 'Public key (PEM) to trust instead of the state dir key' });

  override async run(): Promise<number> {
    const core = await import('@rustchain/core');
    const pem = this.publicKey === undefined ? undefined : await readFile(this.publicKey, 'utf8');
    const { stateDir, config, dir } = await this.projectState();
    if (this.attestation !== undefined) return this.checkAttestation(core, stateDir, this.attestation, pem);
    const witnesses = [];
    for (const spec of this.anchors ?? []) witnesses.push(...(await core.readAnchor(await core.parseAnchorTarget(spec, this.cwd()))));
    // Without --anchor, the config's anchors; one not published yet is a warning, not a failure.
    for (const spec of this.anchors === undefined ? config.audit?.anchors ?? [] : []) {
      const target = await core.parseAnchorTarget(spec, dir);
      try {
        witnesses.push(...(await core.readAnchor(target)));
      } catch (error) {
        if (!core.isRustchainError(error)) throw error;
        this.context.stderr.write(`warning: configured anchor ${core.describeAnchor(target)} holds no head yet (run \`rustchain audit anchor\`)\n`);
      }
    }
    const options = { ...(pem === undefined ? {} : { publicKey: pem }), ...this.sinceOption(), ...this.progress(), witnesses };
    let report = await core.verifyLedger(stateDir, options);
    let repaired = null;
    // What a crash or power loss leaves; tampering (chain, foreign or mismatched heads) is not repaired.
    const repairable = report.problem === 'torn-tail' || report.problem === 'head-behind' || report.problem === 'truncated' ||
      (report.problem === 'bad-signature' && report.head === null);
    if (this.repair && repairable) {
      repaired = await core.repairLedger(stateDir);
      const { since: _since, ...full } = options;
      report = await core.verifyLedger(stateDir, full);
    }
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ ...report, repaired }, null, 2)}\n`);
    } else {
      if (repaired !== null) {
        const lost = repaired.lost === null ? '' : `, dropped heads of lost seqs ${repaired.lost.from}..${repaired.lost.through}`;
        const copy = repaired.copy === null ? '' : ` (copies in ${repaired.copy})`;
        const adopted = repaired.adopted === null ? '' : `, adopted unsigned seqs ${repaired.adopted.from}..${repaired.adopted.through}`;
        this.context.stdout.write(`repaired: removed ${repaired.removedBytes} torn bytes${repaired.headResigned ? ', re-signed the head' : ''}${adopted}${lost}${copy}\n`);
      }
      const where = report.firstBadSeq === null ? '' : ` at seq ${report.firstBadSeq}`;
      const line = report.ok && report.problem === null ? `ok: ${report.message}`
        : report.ok ? `ok (${report.problem}${where}): ${report.message}`
        : `FAILED: ${report.problem}${where} (${report.code}): ${report.message}`;
      (report.ok ? this.context.stdout : this.context.stderr).write(`${line}\n`);
    }
    return report.ok ? EXIT.ok : EXIT.failed;
  }

  /** `--since` as verifyLedger takes it. */
  private sinceOption(): { since?: number | { segment: number } | 'last' } {
    const since = this.since;
    if (since === undefined) return {};
    if (since === 'last') return { since };
    const segment = /^segment:(\d+)$/.exec(since);
    if (segment !== null) return { since: { segment: Number(segment[1]) } };
    if (/^\d+$/.test(since)) return { since: Number(since) };
    throw new UsageError(`--since takes a seq, segment:N or last, got \`${since}\``);
  }

  /** Progress on a terminal's stderr (never in --json or when stderr is not a TTY). */
  private progress(): { onProgress?: (p: { bytes: number; totalBytes: number; events: number }) => void } {
    const stderr = this.context.stderr as NodeJS.WriteStream;
    if (this.json || stderr.isTTY !== true) return {};
    let shown = 0;
    return {
      onProgress: ({ bytes, totalBytes, events }) => {
        const now = Date.now();
        if (now - shown < 200 && bytes < totalBytes) return;
        shown = now;
        const pct = totalBytes === 0 ? 100 : Math.floor((bytes / totalBytes) * 100);
        stderr.write(`\rverifying: ${pct}% (${events} events)${bytes >= totalBytes ? '\n' : ''}`);
      },
    };
  }

  private async checkAttestation(core: typeof import('@rustchain/core'), stateDir: string, file: string, pem: string | undefined): Promise<number> {
    const key = pem ?? (await core.readTrustedPublicKey(stateDir));
    if (key === null) throw new core.RustchainError('E_USAGE', 'no public key: pass --public-key <file.pem>');
    let envelope: unknown;
    try {
      envelope = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      envelope = null;
      this.logger().debug({ error }, 'attestation is not JSON');
    }
    const check = core.verifyAttestation(envelope, key);
    if (this.json) this.context.stdout.write(`${JSON.stringify(check, null, 2)}\n`);
    else (check.ok ? this.context.stdout : this.context.stderr).write(`${check.ok ? 'ok' : `FAILED (${check.code})`}: ${check.message}\n`);
    return check.ok ? EXIT.ok : EXIT.failed;
  }
}
