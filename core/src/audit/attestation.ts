/**
 * Run attestations: an in-toto Statement v1 whose subject is the compiled module (or the
 * mission file) digest and whose predicate is the run summary, wrapped in a DSSE envelope
 * signed with the ledger's Ed25519 key. Verification is offline: envelope + public key.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { RustchainError } from '../errors.ts';
import { keyIdOf, toPublicKey } from './keys.ts';
import { openLedger } from './ledger.ts';
import { buildAuditReport } from './report.ts';

/** The in-toto Statement type this module emits. */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** Our predicate type: a RustChain run summary. */
export const RUN_PREDICATE_TYPE = 'https://rustchain.dev/attestation/run/v1';
/** DSSE payload type for in-toto statements. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** An in-toto Statement v1. */
export interface InTotoStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: string;
  predicate: Record<string, unknown>;
}

/** A DSSE envelope (payload is base64 of the statement JSON). */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

/** Result of `verifyAttestation`. */
export interface AttestationCheck {
  ok: boolean;
  statement: InTotoStatement | null;
  code: 'E_AUDIT_ATTESTATION_INVALID' | null;
  message: string;
}

/** DSSE pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function preAuthEncoding(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

/** Wraps a statement in a DSSE envelope signed with an Ed25519 key (the compile key, see compiled/signature.ts). */
export function signStatement(statement: InTotoStatement, key: { privateKey: KeyObject; keyId: string }): DsseEnvelope {
  const body = Buffer.from(JSON.stringify(statement), 'utf8');
  const sig = sign(null, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, body), key.privateKey).toString('base64');
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: body.toString('base64'), signatures: [{ keyid: key.keyId, sig }] };
}

/** Export a DSSE-wrapped in-toto statement for one run of a verified ledger. */
export async function exportAttestation(stateDir: string, runId: string): Promise<DsseEnvelope> {
  const report = await buildAuditReport(stateDir, { runId });
  if (!report.integrity.ok) {
    throw new RustchainError(report.integrity.code ?? 'E_AUDIT_CHAIN_BROKEN', `refusing to attest: ${report.integrity.message}`);
  }
  const run = report.runs[0];
  if (!run) throw new RustchainError('E_AUDIT_RUN_NOT_FOUND', `no run ${runId} in the audit ledger`, { details: { runId } });
  const subject = run.artifacts
    .filter((a) => a.kind === 'compiled')
    .map((a) => ({ name: a.path, digest: { sha256: a.sha256 } }));
  if (subject.length === 0 && run.missionSha256 !== null) subject.push({ name: run.mission ?? 'mission', digest: { sha256: run.missionSha256 } });
  const head = report.integrity.head;
  const statement: InTotoStatement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject,
    predicateType: RUN_PREDICATE_TYPE,
    predicate: { ...run, ledger: { headSeq: head?.seq ?? null, headHash: head?.hash ?? null, keyId: head?.keyId ?? null } },
  };
  const body = Buffer.from(JSON.stringify(statement), 'utf8');
  const ledger = await openLedger(stateDir);
  const sig = ledger.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, body)).toString('base64');
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: body.toString('base64'), signatures: [{ keyid: ledger.keyId, sig }] };
}

/** Verify an envelope offline against a public key (KeyObject or PEM). */
export function verifyAttestation(envelope: unknown, publicKey: KeyObject | string): AttestationCheck {
  const bad = (message: string): AttestationCheck => ({ ok: false, statement: null, code: 'E_AUDIT_ATTESTATION_INVALID', message });
  const env = envelope as Partial<DsseEnvelope> | null;
  if (typeof env !== 'object' || env === null || typeof env.payload !== 'string' || typeof env.payloadType !== 'string' || !Array.isArray(env.signatures)) {
    return bad('not a DSSE envelope');
  }
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) return bad(`unexpected payloadType ${env.payloadType}`);
  const key = toPublicKey(publicKey);
  const keyId = keyIdOf(key);
  const body = Buffer.from(env.payload, 'base64');
  const pae = preAuthEncoding(env.payloadType, body);
  const signed = env.signatures.some((s) => {
    if (typeof s?.sig !== 'string' || (s.keyid !== undefined && s.keyid !== '' && s.keyid !== keyId)) return false;
    try {
      return verify(null, pae, key, Buffer.from(s.sig, 'base64'));
    } catch {
      return false;
    }
  });
  if (!signed) return bad('no signature verifies with the given key');
  let statement: InTotoStatement;
  try {
    statement = JSON.parse(body.toString('utf8')) as InTotoStatement;
  } catch {
    return bad('the payload is not JSON');
  }
  if (statement._type !== IN_TOTO_STATEMENT_TYPE || !Array.isArray(statement.subject)) return bad('the payload is not an in-toto Statement v1');
  return { ok: true, statement, code: null, message: `signed by key ${keyId}; ${statement.subject.length} subject(s)` };
}
