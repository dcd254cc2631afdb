import { RustchainError, type Diagnostic } from '../errors.ts';
import { checkText, DEFAULT_MAX_BYTES, positionOf } from './input.ts';
import { findJsonSyntaxError } from './json-syntax.ts';
import { MAX_DEPTH, parseMissionText } from './parse.ts';
import { buildTree, FORBIDDEN_KEYS } from './tree.ts';

/**
 * The mission loader's hardened readers, offered to plugins (`parse_yaml`, `parse_json`) so
 * data a step parses gets the same defences as a mission file: a size cap, strict text, depth
 * capped at MAX_DEPTH, no custom YAML tags, one document, aliases expanded under a budget,
 * duplicate keys and prototype-polluting keys refused. Errors carry line and column.
 */

/** Options of parseYamlValue / parseJsonValue. */
export interface ReadDataOptions {
  /** Larger text is refused (E_INPUT_TOO_LARGE). Default 5 MiB, as for mission files. */
  maxBytes?: number;
  /** Names the text in error locations (default `<content>`). */
  source?: string;
}

/** The error for the first (by position) error diagnostic; all of them in `details.diagnostics`. */
function fail(diagnostics: readonly Diagnostic[], source: string): never {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = [...(errors.length > 0 ? errors : diagnostics)].sort((a, b) => a.line - b.line || a.column - b.column)[0];
  if (first === undefined) throw new RustchainError('E_INTERNAL', 'reader failed without a diagnostic');
  throw new RustchainError(first.code, `${first.message} (line ${first.line}, column ${first.column})`, {
    location: { file: source, line: first.line, column: first.column },
    details: {
      line: first.line,
      column: first.column,
      ...(first.hint ? { hint: first.hint } : {}),
      diagnostics: diagnostics.slice(0, 10).map((d) => ({ code: d.code, message: d.message, line: d.line, column: d.column })),
    },
    nonRetryable: true,
  });
}

/**
 * Parses one YAML 1.2 document (JSON is YAML) into plain data with the loader's reader.
 * An empty document (nothing but blanks and comments) is `null`. Throws a RustchainError
 * (E_YAML_*, E_INPUT_*, E_SCHEMA_FORBIDDEN_KEY, E_SCHEMA_TYPE for a non-scalar key) whose
 * `details` hold `line` and `column`.
 */
export function parseYamlValue(text: string, options: ReadDataOptions = {}): unknown {
  const source = options.source ?? '<content>';
  const input = checkText(text, source, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (!input.ok) fail(input.diagnostics, source);
  // A source ending in `.json` would switch the loader to strict JSON: never for YAML.
  const parsed = parseMissionText(input.text, source.endsWith('.json') ? `${source}.yaml` : source);
  if (parsed.parsed === null) {
    // The only E_SCHEMA_TYPE the parser emits is "no document at all": for data, that is null.
    if (parsed.diagnostics.length === 1 && parsed.diagnostics[0]?.code === 'E_SCHEMA_TYPE') return null;
    fail(parsed.diagnostics, source);
  }
  const tree = buildTree(parsed.parsed, source);
  const problems = [...parsed.diagnostics, ...tree.diagnostics];
  if (problems.some((d) => d.severity === 'error')) fail(problems, source);
  return tree.value;
}

/**
 * Parses strict JSON (RFC 8259). Refused, with line and column: syntax errors (E_YAML_PARSE,
 * the catalogue's code for text that does not parse), nesting deeper than MAX_DEPTH
 * (E_INPUT_TOO_DEEP; JSON.parse would accept it, then every JSON.stringify of the value
 * overflows the stack), and `__proto__`/`constructor`/`prototype` keys (E_SCHEMA_FORBIDDEN_KEY).
 */
export function parseJsonValue(text: string, options: ReadDataOptions = {}): unknown {
  const source = options.source ?? '<content>';
  const input = checkText(text, source, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (!input.ok) fail(input.diagnostics, source);
  const body = input.text;
  const at = (offset: number, code: Diagnostic['code'], message: string): Diagnostic => ({
    code, severity: 'error', message, file: source, ...positionOf(body, offset),
  });
  // First: the reviver recurses (a deep document would overflow it), and so does every consumer.
  const deep = tooDeepAt(body);
  if (deep !== null) fail([at(deep, 'E_INPUT_TOO_DEEP', `the JSON nests deeper than ${MAX_DEPTH} levels`)], source);
  let forbidden: string | undefined;
  const reviver = function (this: unknown, key: string, v: unknown): unknown {
    if (forbidden === undefined && FORBIDDEN_KEYS.has(key) && !Array.isArray(this) && Object.hasOwn(this as object, key)) forbidden = key;
    return v;
  };
  let value: unknown;
  try {
    // Without a \u escape, a forbidden key can only appear spelled out: the reviver (several
    // times slower than a plain parse) runs only when one of the two might be there.
    value = /\\u|"(?:__proto__|constructor|prototype)"/.test(body) ? JSON.parse(body, reviver) : JSON.parse(body);
  } catch (error) {
    // JSON.parse says what, not always where: the scanner finds the offset.
    const syntax = findJsonSyntaxError(body) ?? { offset: 0, message: error instanceof Error ? error.message : String(error) };
    fail([at(syntax.offset, 'E_YAML_PARSE', `invalid JSON: ${syntax.message}`)], source);
  }
  if (forbidden !== undefined) {
    const offset = Math.max(0, new RegExp(`"${forbidden}"\\s*:`).exec(body)?.index ?? 0);
    fail([at(offset, 'E_SCHEMA_FORBIDDEN_KEY', `the key \`${forbidden}\` is not allowed (it could alter object prototypes in JavaScript consumers)`)], source);
  }
  return value;
}

/** Offset of the bracket that takes valid JSON past MAX_DEPTH, or null. */
function tooDeepAt(json: string): number | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return null;
}
