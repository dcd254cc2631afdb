import { RustchainError } from '../errors.ts';
import { checkHost, type HostRefusal, type NetRules } from './allowlist.ts';
import { normaliseHostname } from './address.ts';

/** Schemes an HTTP step may use; `file:`, `gopher:`, `data:`, `javascript:`... are refused. */
const ALLOWED_SCHEMES: readonly string[] = ['http:', 'https:'];

/** A URL that passed the scheme check, with its effective port. */
export interface HttpTarget {
  url: URL;
  /** Host without brackets or trailing dot, lower-case (IP literals already canonical). */
  host: string;
  port: number;
}

/**
 * Parses a URL and enforces the scheme allowlist. The WHATWG parser canonicalises numeric
 * IPv4 forms (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`) and takes the host after
 * the LAST `@`, so `http://user@allowed.com@127.0.0.1` is decided as 127.0.0.1.
 */
export function parseHttpUrl(raw: string): HttpTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RustchainError('E_PARAMS_INVALID', `not a valid absolute URL: ${JSON.stringify(raw)}`, {
      details: { url: raw },
      nonRetryable: true,
    });
  }
  if (!ALLOWED_SCHEMES.includes(url.protocol)) {
    throw new RustchainError('E_POLICY_SCHEME_DENIED', `URL scheme ${url.protocol} is not allowed (only http: and https:)`, {
      details: { url: raw, scheme: url.protocol },
    });
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { url, host: normaliseHostname(url.hostname), port };
}

/** `host:port` as an `--allow-net` value (IPv6 bracketed). */
export function allowNetValue(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Turns a refusal into the error a caller throws; `hop` > 0 means it came from a redirect. */
export function refusalError(refusal: HostRefusal, url: string, hop = 0): RustchainError {
  const code = hop > 0 ? 'E_POLICY_REDIRECT_DENIED' : 'E_POLICY_HOST_DENIED';
  const what = refusal.address && refusal.address !== refusal.host ? `${refusal.host} (${refusal.address})` : refusal.host;
  const why =
    refusal.reason === 'not-allowlisted'
      ? 'is not in the network allowlist'
      : `is a reserved ${refusal.range ? `${refusal.range} ` : ''}address or name, reachable only when named explicitly`;
  const allow = allowNetValue(refusal.address ?? refusal.host, refusal.port);
  return new RustchainError(code, `${hop > 0 ? `redirect hop ${hop}: ` : ''}host ${what} ${why}`, {
    details: { url, ...refusal, ...(hop > 0 ? { hop } : {}), allowWith: `--allow-net=${allow} or policy.net.allow: ['${allow}']` },
  });
}

/** Scheme and host check of one URL before connecting; throws the policy error. */
export function checkUrl(rules: NetRules, raw: string, hop = 0): HttpTarget {
  const target = parseHttpUrl(raw);
  const refusal = checkHost(rules, target.host, target.port);
  if (refusal) throw refusalError(refusal, raw, hop);
  return target;
}

/**
 * Schemes a `{ kind: 'net' }` claim may name, with the port used when the URL has none.
 * `tcp:` has no default: a raw connection claim must say which port it opens.
 */
const CLAIM_SCHEME_PORTS: Readonly<Record<string, number | null>> = {
  'http:': 80,
  'https:': 443,
  'ws:': 80,
  'wss:': 443,
  'tcp:': null,
  'redis:': 6379,
  'rediss:': 6379,
  'ssh:': 22,
  'ftp:': 21,
  'ftps:': 990,
};

/**
 * Canonical form of a bare host (no scheme): brackets and trailing dot stripped, lower case,
 * numeric IPv4 forms (`127.1`, `0x7f000001`, `2130706433`) turned into dotted quads and IDNs
 * into punycode, by the same WHATWG parser `ctx.fetch` relies on. Non-special URL schemes
 * (`redis:`, `tcp:`) keep their host opaque, so every raw host goes through here. Null when
 * the text is not a host at all.
 */
export function canonicalHost(raw: string): string | null {
  const host = normaliseHostname(raw);
  if (host === '') return null;
  if (host.includes(':')) {
    try {
      return normaliseHostname(new URL(`http://[${host}]/`).hostname);
    } catch {
      return null;
    }
  }
  if (/[/?#@\\\s]/.test(host)) return null;
  try {
    return normaliseHostname(new URL(`http://${host}/`).hostname);
  } catch {
    return null;
  }
}

/**
 * Parses the URL of a static net claim: `http(s)`, `ws(s)`, `tcp`, `redis(s)`, `ssh`,
 * `ftp(s)` (see CLAIM_SCHEME_PORTS); any other scheme is E_POLICY_SCHEME_DENIED.
 * `schemes` narrows the list for a step that can only use some of them (`http` steps).
 */
function parseClaimUrl(raw: string, schemes?: readonly string[]): { scheme: string; host: string; port: number } {
  const invalid = (why: string) =>
    new RustchainError('E_PARAMS_INVALID', `not a valid network URL (${why}): ${JSON.stringify(raw)}`, { details: { url: raw }, nonRetryable: true });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('unparsable');
  }
  const allowed = (schemes ?? Object.keys(CLAIM_SCHEME_PORTS)).filter((s) => s in CLAIM_SCHEME_PORTS);
  if (!allowed.includes(url.protocol)) {
    throw new RustchainError('E_POLICY_SCHEME_DENIED', `URL scheme ${url.protocol} is not allowed here (only ${allowed.join(' ')})`, {
      details: { url: raw, scheme: url.protocol },
    });
  }
  const host = canonicalHost(url.hostname);
  if (host === null) throw invalid('no host');
  const fallback = CLAIM_SCHEME_PORTS[url.protocol] ?? null;
  const port = url.port === '' ? fallback : Number(url.port);
  if (port === null) throw invalid(`${url.protocol}// needs an explicit port`);
  return { scheme: url.protocol, host, port };
}

/** Static check of a net claim's URL (scheme, then host and port); throws the policy error. */
export function checkClaimUrl(rules: NetRules, raw: string, schemes?: readonly string[]): void {
  const target = parseClaimUrl(raw, schemes);
  const refusal = checkHost(rules, target.host, target.port);
  if (refusal) throw refusalError(refusal, raw);
}
