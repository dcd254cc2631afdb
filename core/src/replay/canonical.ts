/**
 * The canonical form of one HTTP call, as recorded and as digested: what identifies a request
 * (its recording key) and what a response was, both with every secret taken out. The same
 * function serves record, replay and the ledger's call digests, so a replayed run digests to
 * exactly what the recorded run did.
 */
import { canonicalJson, sha256Hex } from '../audit/hash.ts';
import { REDACTED } from '../audit/redact.ts';

/** Redacts secret text (the run's redactor plus what the journal learned from auth headers). */
export type TextRedactor = (text: string) => string;

/** A request as it identifies a call: no credential, no volatile header. */
export interface CanonicalRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Parsed JSON (re-serialised canonically for the key) when the body is JSON, else the text. */
  body: unknown;
}

/** A response as recorded, served in replay and digested. */
export interface CanonicalResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  url: string;
}

/**
 * Request headers that carry credentials: never recorded, never part of the key, and their
 * values are learned as secrets so an echo of them in a response is redacted too.
 */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'set-cookie', 'x-auth-token', 'private-token', 'x-amz-security-token']);
/** A header name that looks like a credential even when not listed (custom auth schemes). */
const SECRET_NAME = /(?:^|-)(?:auth|token|secret|key|password|passwd|session|credential|signature)(?:-|$)/i;
/**
 * Request headers that decide what the server answers; only these enter the key. Everything
 * else (user-agent, SDK telemetry such as x-stainless-retry-count, tracing ids, content-length)
 * varies between runs without changing the call.
 */
const KEY_HEADERS = new Set(['content-type', 'accept']);
/** Provider protocol headers (`anthropic-version`, `anthropic-beta`, `openai-beta`) change the answer too. */
const VERSION_HEADER = /-(?:version|beta)$/;
/** Query parameters whose value is a credential (`?key=`, `?api_key=`, `?access_token=`, `?sig=`). */
const SECRET_QUERY = /^(?:key|sig|code|(?:.*[-_.])?(?:api[-_]?key|apikey|token|secret|password|passwd|signature|auth|credential|session)(?:[-_.].*)?)$/i;

/** True for a header whose value is a credential. */
function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADERS.has(lower) || SECRET_NAME.test(lower);
}

/** The credential values a request carries in its headers and query string (to learn as secrets). */
export function requestSecrets(url: string, headers: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!isSecretHeader(name)) continue;
    found.push(value);
    // `Bearer sk-...` / `Basic dXNl...`: the credential alone, so its echo without the scheme is caught.
    const space = value.indexOf(' ');
    if (space > 0) found.push(value.slice(space + 1).trim());
  }
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (parsed !== null) {
    for (const [name, value] of parsed.searchParams) if (SECRET_QUERY.test(name) && value !== '') found.push(value);
    if (parsed.password !== '') found.push(decodeURIComponent(parsed.password));
  }
  return found.filter((v) => v.length > 0);
}

/** The URL without userinfo, with credential query values replaced, then passed through `redact`. */
function redactUrl(url: string, redact: TextRedactor): string {
  if (!URL.canParse(url)) return redact(url);
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  for (const name of [...new Set(parsed.searchParams.keys())]) {
    if (SECRET_QUERY.test(name)) parsed.searchParams.set(name, REDACTED);
  }
  return redact(parsed.toString());
}

/** Parses a JSON body so key order and whitespace do not change the key; any other body stays text. */
function canonicalBody(body: string | undefined, redact: TextRedactor): unknown {
  if (body === undefined || body === '') return null;
  const text = redact(body);
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON after all: keyed as text.
    }
  }
  return text;
}

/** The canonical request of a call (secrets out, key headers only, JSON body parsed). */
export function canonicalRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }, redact: TextRedactor): CanonicalRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    const lower = name.toLowerCase();
    if (isSecretHeader(lower)) continue;
    if (KEY_HEADERS.has(lower) || VERSION_HEADER.test(lower)) headers[lower] = redact(value.trim());
  }
  return { method: (init.method ?? 'GET').toUpperCase(), url: redactUrl(url, redact), headers, body: canonicalBody(init.body, redact) };
}

/** The response as it is recorded: credential headers dropped, every value redacted. */
export function canonicalResponse(response: { status: number; headers: Record<string, string>; body: string; url: string }, redact: TextRedactor): CanonicalResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    const lower = name.toLowerCase();
    if (!isSecretHeader(lower)) headers[lower] = redact(value);
  }
  return { status: response.status, headers, body: redact(response.body), url: redactUrl(response.url, redact) };
}

/** `sha256:<hex>` of a canonical request: its recording key and its ledger digest. */
export function requestDigest(request: CanonicalRequest): string {
  return `sha256:${sha256Hex(canonicalJson(request))}`;
}

/** `sha256:<hex>` of a canonical response: equal for a recorded call and its replay. */
export function responseDigest(response: CanonicalResponse): string {
  return `sha256:${sha256Hex(canonicalJson(response))}`;
}
