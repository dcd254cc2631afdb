/** Secret redaction: applied to every payload before it is hashed and written. */

/** What a secret is replaced with. */
export const REDACTED = '***';

/**
 * The forms of one secret we look for: raw, base64 (padded, unpadded, url-safe), URL-encoded,
 * and JSON-escaped (a secret with quotes or newlines inside a JSON text a step printed).
 */
export function secretForms(secret: string): string[] {
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  const forms = [
    secret,
    b64,
    b64.replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
  ];
  return forms.filter((f) => f.length > 0);
}

function hexEither(byte: number): string {
  return byte
    .toString(16)
    .padStart(2, '0')
    .split('')
    .map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d))
    .join('');
}

/**
 * `secret` with any of its non-alphanumeric characters written literally or percent-encoded
 * (%xx in either case; `+` for a space), the way every URL serialiser writes it: WHATWG URL
 * (path, query, userinfo sets), encodeURI(Component), URLSearchParams each encode a different
 * set, so no fixed list of forms covers a secret holding `'`, `$` or `{}`. Linear: no
 * quantifiers. Null when no character of the secret is ever encoded.
 */
export function percentEncodedPattern(secret: string): RegExp | null {
  let encodable = false;
  const parts: string[] = [];
  for (const ch of secret) {
    const literal = ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    if (/[A-Za-z0-9]/.test(ch)) {
      parts.push(literal);
      continue;
    }
    encodable = true;
    const encoded = [...Buffer.from(ch, 'utf8')].map((b) => `%${hexEither(b)}`).join('');
    parts.push(`(?:${literal}|${encoded}${ch === ' ' ? '|\\+' : ''})`);
  }
  return encodable ? new RegExp(parts.join(''), 'g') : null;
}

/** Replace every match of the percent-encoding patterns (only texts that can hold one are scanned). */
export function replacePatterns(text: string, patterns: readonly RegExp[]): string {
  if (patterns.length === 0 || (!text.includes('%') && !text.includes('+'))) return text;
  let out = text;
  for (const pattern of patterns) out = out.replace(pattern, REDACTED);
  return out;
}

/** Build a replacer once per secret list; longest forms first so a form never half-matches. */
function secretRedactor(secrets: readonly string[]): (text: string) => string {
  const live = secrets.filter((s) => s.length > 0);
  const forms = [...new Set(live.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  const patterns = live.map(percentEncodedPattern).filter((p): p is RegExp => p !== null);
  if (forms.length === 0) return (text) => text;
  return (text) => replacePatterns(replaceForms(text, forms), patterns);
}

/** Replace every occurrence of each form (longest first) in `text` with `***`. */
export function replaceForms(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
}

/**
 * Replace each secret, and its base64 and URL-encoded forms, with `***` in every string of a
 * JSON value (object keys included). Returns a new value; the input is not touched.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  const redact = secretRedactor(secrets);
  return redactWith(value, redact);
}

/** Apply a prepared redactor to every string of a JSON value. */
export function redactWith<T>(value: T, redact: (text: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      // defineProperty, not assignment: a `__proto__` key must stay data, never a prototype.
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
        Object.defineProperty(out, redact(k), { value: walk(inner), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
