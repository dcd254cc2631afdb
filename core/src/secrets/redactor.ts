/**
 * The run's one redactor: built once per run from the secret values, grown as secret plugin
 * parameters are resolved, applied at every boundary where a value leaves the engine (ledger,
 * `--json` result, progress display, logs). Matching is by value: a template that copies a
 * secret env var into a parameter or an output is the same value and is redacted too.
 */
import { percentEncodedPattern, redactWith, replaceForms, replacePatterns, secretForms } from '../audit/redact.ts';

/** Secrets shorter than this are not redacted (a 1-char secret would blank out everything). */
export const MIN_SECRET_LENGTH = 4;

/** A growing set of secret values and the redaction they imply. */
export interface SecretRedactor {
  /** Add secret values; returns the ones refused as shorter than MIN_SECRET_LENGTH. */
  add(values: Iterable<string>): string[];
  /** Number of secret values held. */
  readonly size: number;
  /** Replace every secret form in a string with `***`. */
  text(value: string): string;
  /** Redact every string (and object key) of a JSON value; returns the input itself when there are no secrets. */
  value<T>(value: T): T;
}

/**
 * The forms one secret is searched in: the whole value with its encodings (secretForms), and
 * for a multi-line value (a PEM key) each of its lines on its own — a step that prints the
 * lines separately, or JSON-escapes the newlines, still leaks nothing but short lines.
 */
function formsOf(secret: string): string[] {
  const lines = secret.includes('\n') ? secret.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= MIN_SECRET_LENGTH) : [];
  return [...secretForms(secret), ...lines];
}

/** Create a redactor, optionally seeded with secret values. */
export function createSecretRedactor(initial: Iterable<string> = []): SecretRedactor {
  const secrets = new Set<string>();
  let forms: string[] = [];
  let patterns: RegExp[] = [];
  const redactText = (text: string): string => replacePatterns(replaceForms(text, forms), patterns);
  const redactor: SecretRedactor = {
    add(values) {
      const refused: string[] = [];
      let grew = false;
      for (const value of values) {
        if (value.length < MIN_SECRET_LENGTH) {
          if (value.length > 0) refused.push(value);
        } else if (!secrets.has(value)) {
          secrets.add(value);
          grew = true;
        }
      }
      // Longest forms first, so a form never half-matches inside a longer one.
      if (grew) {
        forms = [...new Set([...secrets].flatMap(formsOf))].sort((a, b) => b.length - a.length);
        patterns = [...secrets].map(percentEncodedPattern).filter((p): p is RegExp => p !== null);
      }
      return refused;
    },
    get size() {
      return secrets.size;
    },
    text: (value) => (forms.length === 0 ? value : redactText(value)),
    value: <T>(value: T): T => (forms.length === 0 ? value : redactWith(value, redactText)),
  };
  redactor.add(initial);
  return redactor;
}
