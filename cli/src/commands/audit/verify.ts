import { readFile } from 'node:fs/promises';
import { Command, Option } from 'clipanion';
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
      re-signed). \`--repair\` truncates a torn last record, re-signs a missing head or one that
      is behind (check those events first),
      records an \`audit.repaired\` event, and verifies again; it never repairs tampering.
      \`--attestation <file>\` checks a DSSE envelope from \`audit export\` offline instead.
    `,
    examples: [
      ['Verify the ledger', '$0 audit verify'],
      ['Repair a torn tail after a crash', '$0 audit verify --repair'],
      ['Check an attestation with a given public key', '$0 audit verify --attestation run.intoto.json --public-key ledger.pub'],
    ],
  });

  /** Repair a torn tail / missing head on request. */
  repair = Option.Boolean('--repair', false, { description: 'Truncate a torn last record and record the repair' });

  /** Check this DSSE envelope instead of the ledger. */
  attestation = Option.String('--attestation', { description: 'Verify this attestation (DSSE envelope) offline' });

  /** Trust this public key (PEM) instead of the state dir's own. */
  publicKey = Option.String('--public-key', { description: 'Public key (PEM) to trust instead of the state dir key' });

  override async run(): Promise<number> {
    const core = await import('@rustchain/core');
    const pem = this.publicKey === undefined ? undefined : await readFile(this.publicKey, 'utf8');
    const { stateDir } = await this.project();
    if (this.attestation !== undefined) return this.checkAttestation(core, stateDir, this.attestation, pem);
    let report = await core.verifyLedger(stateDir, pem === undefined ? {} : { publicKey: pem });
    let repaired = null;
    const repairable = report.problem === 'torn-tail' || (report.problem === 'bad-signature' && report.head === null);
    if (this.repair && repairable) {
      repaired = await core.repairLedger(stateDir);
      report = await core.verifyLedger(stateDir, pem === undefined ? {} : { publicKey: pem });
    }
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ ...report, repaired }, null, 2)}\n`);
    } else {
      if (repaired !== null) this.context.stdout.write(`repaired: removed ${repaired.removedBytes} torn bytes${repaired.headResigned ? ', re-signed the head' : ''}\n`);
      const where = report.firstBadSeq === null ? '' : ` at seq ${report.firstBadSeq}`;
      const line = report.ok && report.problem === null ? `ok: ${report.message}`
        : report.ok ? `ok (${report.problem}${where}): ${report.message}`
        : `FAILED: ${report.problem}${where} (${report.code}): ${report.message}`;
      (report.ok ? this.context.stdout : this.context.stderr).write(`${line}\n`);
    }
    return report.ok ? EXIT.ok : EXIT.failed;
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
