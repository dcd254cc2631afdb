/**
 * Signed compiled artifacts. `rustchain compile` writes `<out>.intoto.json` beside the module
 * (or bundle): a DSSE envelope over an in-toto Statement v1 whose subject is the file's SHA-256
 * and whose predicate names what it was built from (source YAML, plugins, compiler). `rustchain
 * run` hashes the module's bytes, checks that statement against the trusted compile keys and
 * only then imports those same bytes: an edited module never gets to run its top level.
 *
 * The compile key is its own Ed25519 pair (`compile.key` / `compile.pub`) in the ledger key's
 * directory (key-dir.ts: user config dir, `$RUSTCHAIN_KEY_DIR`, config `keyDir`), so it has the
 * ledger key's custody (outside the project, a governing path steps cannot touch) without
 * being the ledger key: a compile public key is meant to be copied into other projects'
 * `trustedCompileKeys`, and the ledger key's own signatures (heads, run attestations, which
 * are in-toto statements too) must never be accepted as "this module was compiled by us".
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE, signStatement, verifyAttestation, type DsseEnvelope, type InTotoStatement,
} from '../audit/attestation.ts';
import { compileKeyDirFor } from '../audit/key-dir.ts';
import { keyIdOf, loadOrCreateKeyPair } from '../audit/keys.ts';
import { DiagnosticsError } from '../errors.ts';

/** Predicate type of a compile statement. */
export const COMPILE_PREDICATE_TYPE = 'https://rustchain.dev/compile/v1';

/** The statement file of a compiled module or bundle: `<file>.intoto.json`. */
export function statementPathFor(file: string): string {
  return `${file}.intoto.json`;
}

/** Where the compile key lives: the user's key directory (same custody as the ledger key, different key). */
export function compileKeyPaths(stateDir: string): { dir: string; privatePath: string; publicPath: string } {
  const dir = compileKeyDirFor(stateDir);
  return { dir, privatePath: join(dir, 'compile.key'), publicPath: join(dir, 'compile.pub') };
}

/** One plugin a module was compiled against, as its manifest records it. */
export interface CompileMaterialPlugin {
  stepType: string;
  package: string;
  version: string;
  integrity: string | null;
}

/** What `compileStatement` describes. */
export interface CompileStatementInput {
  /** The artifact: file name (as written) and SHA-256 hex of its exact bytes. */
  subject: { name: string; sha256: string };
  /** The source mission: path relative to the artifact's directory, SHA-256 hex of its bytes. */
  source: { path: string; sha256: string };
  plugins: readonly CompileMaterialPlugin[];
  compiler: { name: string; version: string };
  bundle: boolean;
}

/** An npm SRI integrity (`sha512-<base64>`) as an in-toto digest set (`{ sha512: <hex> }`); `{}` when unknown. */
function sriDigest(integrity: string | null): Record<string, string> {
  const match = integrity === null ? null : /^(sha\d+)-(.+)$/.exec(integrity.split(/\s+/)[0] ?? '');
  return match?.[1] !== undefined && match[2] !== undefined ? { [match[1]]: Buffer.from(match[2], 'base64').toString('hex') } : {};
}

/** The in-toto statement of one compiled artifact. */
export function compileStatement(input: CompileStatementInput): InTotoStatement {
  const plugins = [...input.plugins].sort((a, b) => a.stepType.localeCompare(b.stepType));
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: input.subject.name, digest: { sha256: input.subject.sha256 } }],
    predicateType: COMPILE_PREDICATE_TYPE,
    predicate: {
      compiler: input.compiler,
      bundle: input.bundle,
      source: input.source,
      plugins,
      materials: [
        { uri: input.source.path, digest: { sha256: input.source.sha256 } },
        ...plugins.map((p) => ({ uri: `pkg:npm/${p.package}@${p.version}`, digest: sriDigest(p.integrity), integrity: p.integrity })),
      ],
    },
  };
}

/** Signs a compile statement with the state dir's compile key (created on first use). */
export async function signCompileStatement(stateDir: string, statement: InTotoStatement): Promise<{ envelope: DsseEnvelope; keyId: string }> {
  const { dir, privatePath, publicPath } = compileKeyPaths(stateDir);
  const key = await loadOrCreateKeyPair(dir, privatePath, publicPath);
  return { envelope: signStatement(statement, key), keyId: key.keyId };
}

/** A compile key a run trusts, and where it was named. */
export interface TrustedCompileKey {
  key: KeyObject;
  keyId: string;
  /** `config trustedCompileKeys[i]` or `local compile key`. */
  origin: string;
}

/**
 * The compile keys a run trusts: each `trustedCompileKeys` entry of the config (PEM text, or a
 * path to a `.pub` relative to the config file, `~/` = home), plus the local compile key of the
 * state dir, so a module compiled and run on one machine needs no configuration. An entry that
 * is not a readable public key is E_CONFIG_INVALID at the config file (never silently skipped).
 */
export function trustedCompileKeys(input: { stateDir: string; entries?: readonly string[] | undefined; configFile: string | null; configDir: string }): TrustedCompileKey[] {
  const keys: TrustedCompileKey[] = [];
  (input.entries ?? []).forEach((entry, index) => {
    const origin = `config trustedCompileKeys[${index}]`;
    try {
      let pem = entry;
      if (!entry.trimStart().startsWith('-----BEGIN')) {
        pem = readFileSync(keyFilePath(entry, input.configDir), 'utf8');
      }
      const key = createPublicKey(pem);
      keys.push({ key, keyId: keyIdOf(key), origin });
    } catch (error) {
      throw new DiagnosticsError([{
        code: 'E_CONFIG_INVALID', severity: 'error', file: input.configFile ?? input.configDir, line: 1, column: 1, pointer: `/trustedCompileKeys/${index}`,
        message: `${origin} is not a public key (PEM text or a path to a .pub file): ${(error as Error).message.split('\n')[0] ?? ''}`,
      }]);
    }
  });
  const local = localCompilePublicKey(input.stateDir);
  if (local !== null) keys.push({ key: local, keyId: keyIdOf(local), origin: 'local compile key' });
  return keys;
}

/** Absolute paths of the `trustedCompileKeys` entries that are files (not inline PEM): governing paths steps may not touch. */
export function compileKeyFiles(entries: readonly string[] | undefined, configDir: string): string[] {
  return (entries ?? []).filter((entry) => !entry.trimStart().startsWith('-----BEGIN')).map((entry) => keyFilePath(entry, configDir));
}

function keyFilePath(entry: string, configDir: string): string {
  const path = entry.startsWith('~/') ? join(homedir(), entry.slice(2)) : entry;
  return isAbsolute(path) ? path : resolve(configDir, path);
}

/** The local compile key's public half (derived from the private key when readable, so a swapped `.pub` cannot vouch); null before the first compile. */
function localCompilePublicKey(stateDir: string): KeyObject | null {
  const { privatePath, publicPath } = compileKeyPaths(stateDir);
  try {
    return createPublicKey(createPrivateKey(readFileSync(privatePath, 'utf8')));
  } catch {
    try {
      return createPublicKey(readFileSync(publicPath, 'utf8'));
    } catch {
      return null;
    }
  }
}

/** The codes a module's signature check refuses with (exit 2 unless `--allow-unsigned`). */
export type CompiledSignatureCode = 'E_COMPILED_UNSIGNED' | 'E_COMPILED_DIGEST_MISMATCH' | 'E_COMPILED_UNTRUSTED_SIGNER';

/** Outcome of `verifyCompiledArtifact`. */
export type CompiledSignature =
  | { verified: true; statementFile: string; keyId: string; origin: string; statement: InTotoStatement }
  | { verified: false; statementFile: string; code: CompiledSignatureCode; message: string };

/**
 * Checks `<file>.intoto.json` for bytes whose SHA-256 is `sha256`: a DSSE in-toto envelope,
 * signed by a trusted compile key (checked first: an unverified statement's claims mean
 * nothing), a compile statement, whose subject is exactly those bytes. Never throws.
 */
export function verifyCompiledArtifact(file: string, sha256: string, trusted: readonly TrustedCompileKey[]): CompiledSignature {
  const statementFile = statementPathFor(file);
  const refuse = (code: CompiledSignatureCode, message: string): CompiledSignature => ({ verified: false, statementFile, code, message });
  let envelope: unknown;
  try {
    envelope = JSON.parse(readFileSync(statementFile, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return refuse('E_COMPILED_UNSIGNED', missing
      ? `no signed statement ${statementFile} beside the module (compile it with \`rustchain compile\`, or pass --allow-unsigned)`
      : `the statement ${statementFile} is not readable JSON: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  const env = envelope as Partial<DsseEnvelope> | null;
  if (typeof env !== 'object' || env === null || env.payloadType !== IN_TOTO_PAYLOAD_TYPE || typeof env.payload !== 'string' || !Array.isArray(env.signatures)) {
    return refuse('E_COMPILED_UNSIGNED', `${statementFile} is not a DSSE envelope of an in-toto statement`);
  }
  for (const candidate of trusted) {
    const check = verifyAttestation(envelope, candidate.key);
    if (!check.ok || check.statement === null) continue;
    const statement = check.statement;
    if (statement.predicateType !== COMPILE_PREDICATE_TYPE) {
      return refuse('E_COMPILED_UNSIGNED', `${statementFile} is signed but is not a compile statement (predicateType ${String(statement.predicateType)})`);
    }
    const named = statement.subject.map((s) => s?.digest?.sha256).filter((d): d is string => typeof d === 'string');
    if (!named.includes(sha256)) {
      return refuse('E_COMPILED_DIGEST_MISMATCH', `the module's SHA-256 is ${sha256} but its signed statement names ${named.join(', ') || 'no digest'}: the module was changed after compilation`);
    }
    return { verified: true, statementFile, keyId: candidate.keyId, origin: candidate.origin, statement };
  }
  const signers = env.signatures.map((s) => (s as { keyid?: unknown } | null)?.keyid).filter((k) => typeof k === 'string' && k !== '');
  const known = trusted.map((t) => t.keyId);
  return refuse('E_COMPILED_UNTRUSTED_SIGNER', `${statementFile} is signed by ${signers.join(', ') || 'an unnamed key'}, which no trusted compile key verifies (trusted: ${known.join(', ') || 'none'}; add the signer's compile.pub to trustedCompileKeys)`);
}
