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

/** Build a replacer once per secret list; longest forms first so a form never half-matches. */
export function secretRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = [...new Set(secrets.filter((s) => s.length > 0).flatMap(secretForms))]
    .sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => replaceForms(text, forms);
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
