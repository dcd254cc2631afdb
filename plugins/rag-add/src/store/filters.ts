import { PluginError } from '@rustchain/core/plugin';

/**
 * Metadata filters as SQL: `{ key: value }` keeps rows whose metadata has `key` equal to
 * `value` (all keys must match, as in the original's store). Equality is typed: the string
 * "1" does not match the number 1, `true` matches only JSON true, `null` matches an explicit
 * null (not a missing key); arrays and objects compare as minified JSON (key order counts).
 * It runs inside SQLite (json_type/json_extract), so filtered-out rows never reach the scan.
 */

/** A WHERE fragment (`AND ...` terms) and its bound values. */
export interface FilterSql {
  sql: string;
  values: Array<string | number>;
}

/** A JSON path selecting one top-level key; keys that need escaping are refused, not guessed. */
function keyPath(key: string): string {
  if (key.length === 0 || /["\\]/.test(key) || [...key].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new PluginError('E_RAG_FILTER_INVALID', `metadata filter key ${JSON.stringify(key)} is empty or holds a quote, backslash or control character`, {
      details: { key },
      nonRetryable: true,
    });
  }
  return `$."${key}"`;
}

/** The SQL for `filter` (empty for none). */
export function filterSql(filter: Readonly<Record<string, unknown>> | undefined): FilterSql {
  const terms: string[] = [];
  const values: Array<string | number> = [];
  for (const [key, value] of Object.entries(filter ?? {})) {
    const path = keyPath(key);
    if (value === null) {
      terms.push(`json_type(metadata, ?) = 'null'`);
      values.push(path);
    } else if (typeof value === 'boolean') {
      terms.push(`json_type(metadata, ?) = '${value ? 'true' : 'false'}'`);
      values.push(path);
    } else if (typeof value === 'string') {
      terms.push(`(json_type(metadata, ?) = 'text' AND json_extract(metadata, ?) = ?)`);
      values.push(path, path, value);
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      terms.push(`(json_type(metadata, ?) IN ('integer', 'real') AND json_extract(metadata, ?) = ?)`);
      values.push(path, path, value);
    } else if (typeof value === 'object') {
      terms.push(`(json_type(metadata, ?) = ? AND json_extract(metadata, ?) = json(?))`);
      values.push(path, Array.isArray(value) ? 'array' : 'object', path, JSON.stringify(value));
    } else {
      throw new PluginError('E_RAG_FILTER_INVALID', `metadata filter ${JSON.stringify(key)} has a value that is not JSON`, {
        details: { key },
        nonRetryable: true,
      });
    }
  }
  return { sql: terms.map((t) => ` AND ${t}`).join(''), values };
}
