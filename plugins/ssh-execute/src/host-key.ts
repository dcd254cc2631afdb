import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Host key pinning: the server's key must match a pin the user wrote down (a `SHA256:`
 * fingerprint as `ssh-keygen -lf` prints it, a public key line, or known_hosts entries).
 * Nothing is ever trusted on first use.
 */

/** One accepted host key: a full key blob, or only its SHA-256 fingerprint. */
export type HostKeyPin = { kind: 'key'; type: string; blob: Buffer } | { kind: 'fingerprint'; fingerprint: string };

/** What the verifier saw, for the error messages that tell the user what to pin. */
export interface SeenHostKey {
  type: string;
  fingerprint: string;
  /** `<type> <base64>`: the public key line to paste into `host_key`. */
  line: string;
}

/** `SHA256:<base64 without padding>`, the form `ssh-keygen -lf` and OpenSSH print. */
function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH wire-format public key blob (`ssh-ed25519`...). */
function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return length > 0 && length <= 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString('latin1') : 'unknown';
}

/** Describes a key the server presented. */
export function describeKey(blob: Buffer): SeenHostKey {
  const type = keyTypeOf(blob);
  return { type, fingerprint: fingerprintOf(blob), line: `${type} ${blob.toString('base64')}` };
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses `<type> <base64> [comment]`; null when `fields` are not a public key. */
function keyFrom(fields: readonly string[]): HostKeyPin | null {
  const [type, data] = fields;
  if (type === undefined || data === undefined || !KEY_TYPE.test(type) || !BASE64.test(data)) return null;
  const blob = Buffer.from(data, 'base64');
  return keyTypeOf(blob) === type ? { kind: 'key', type, blob } : null;
}

/**
 * Parses one `host_key` entry: `SHA256:...`, `<type> <base64> [comment]`, or a known_hosts
 * line `<hosts> <type> <base64>` (its host field is not checked: the user named this key
 * for this step). Null when it is none of these.
 */
export function parsePin(text: string): HostKeyPin | null {
  const trimmed = text.trim();
  const fp = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(trimmed);
  if (fp) return { kind: 'fingerprint', fingerprint: `SHA256:${fp[1]}` };
  const fields = trimmed.split(/\s+/);
  return keyFrom(fields) ?? keyFrom(fields.slice(1));
}

/** The known_hosts name of a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

function glob(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** `|1|salt|hmac` (HashKnownHosts) or a comma list of patterns with `!` negations. */
function hostFieldMatches(field: string, name: string): boolean {
  const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(field);
  if (hashed) {
    const mac = createHmac('sha1', Buffer.from(hashed[1] ?? '', 'base64')).update(name).digest();
    const want = Buffer.from(hashed[2] ?? '', 'base64');
    return want.length === mac.length && timingSafeEqual(want, mac);
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (glob(pattern.slice(1), name)) return false;
    } else if (glob(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** Keys a known_hosts file lists for the host: accepted ones, and `@revoked` ones. */
export function knownHostsPins(text: string, host: string, port: number): { pins: HostKeyPin[]; revoked: HostKeyPin[] } {
  const name = knownHostsName(host, port);
  const pins: HostKeyPin[] = [];
  const revoked: HostKeyPin[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) [marker, ...fields] = fields;
    // A @cert-authority line signs host certificates; plain keys are all this step checks.
    if (marker === '@cert-authority' || !hostFieldMatches(fields[0] ?? '', name)) continue;
    const key = keyFrom(fields.slice(1));
    if (key) (marker === '@revoked' ? revoked : pins).push(key);
  }
  return { pins, revoked };
}

/** True when the presented key matches the pin. */
export function pinMatches(pin: HostKeyPin, blob: Buffer): boolean {
  if (pin.kind === 'fingerprint') return pin.fingerprint === fingerprintOf(blob);
  return pin.blob.length === blob.length && timingSafeEqual(pin.blob, blob);
}

const ALGORITHMS_OF: Readonly<Record<string, readonly string[]>> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * Host key algorithms to offer when every pin is a full key: only the pinned types, so a
 * server holding several keys presents the pinned one (what OpenSSH does with known_hosts).
 * Undefined when a fingerprint pin leaves the type open.
 */
export function hostKeyAlgorithms(pins: readonly HostKeyPin[]): string[] | undefined {
  if (pins.length === 0 || pins.some((p) => p.kind === 'fingerprint')) return undefined;
  const types = pins.flatMap((p) => (p.kind === 'key' ? (ALGORITHMS_OF[p.type] ?? [p.type]) : []));
  return [...new Set(types)];
}
