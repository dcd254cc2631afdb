import { MAX_DEPTH } from './parse.ts';
import { FORBIDDEN_KEYS } from './tree.ts';

/**
 * The fast path for `.json` missions: JSON.parse, for text the full path (the strict scanner,
 * the YAML composer and the position walk) would turn into the same value without a single
 * diagnostic. Anything else — a syntax error, nesting near MAX_DEPTH, a duplicate or a
 * forbidden key — returns undefined and the caller takes the full path, which reports it at
 * its line:column. (JSON is YAML 1.2, and for valid JSON the core schema resolves every
 * number and string as JSON.parse does; tests/core/loader/fast-paths.property.test.ts holds
 * the two paths to the same Mission and the same diagnostics.)
 */

/** Nesting this close to MAX_DEPTH goes the full way, which owns the E_INPUT_TOO_DEEP rules. */
const DEPTH_MARGIN = 2;

/** Keys longer than this (decoded; at most 6 source characters each) take the full path. */
const LONG_KEY = 160;

/** The value of strict JSON `text`, or undefined when the full path must decide. */
export function parsePlainJson(text: string): { value: unknown } | undefined {
  // Raw NEL/LS/PS inside a string: YAML's rules for them differ by version; the full path.
  if (/[\u0085\u2028\u2029]|\r(?!\n)/.test(text)) return undefined;
  const colons = scanJson(text);
  if (colons < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // JSON.parse keeps the last of two equal keys: fewer keys than key/value separators in the
  // text means a duplicate (every `:` outside a string separates a key from its value).
  const keys = countKeys(value);
  return keys === colons ? { value } : undefined;
}

/**
 * One pass over the text: the number of `:` outside strings, or -1 when the nesting gets
 * within DEPTH_MARGIN of MAX_DEPTH. Strings are skipped with their escapes.
 */
function scanJson(text: string): number {
  let depth = 0;
  let colons = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip to the closing quote; an unterminated string is JSON.parse's error to find.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x3a) colons++;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH - DEPTH_MARGIN) return -1;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return colons;
}

/** Keys of every object in `value`; -1 as soon as one is a forbidden key. */
function countKeys(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const k = countKeys(item);
      if (k < 0) return -1;
      total += k;
    }
    return total;
  }
  for (const key in value) {
    // A long key may meet yaml's 1024-character implicit-key limit: the full path decides.
    if (FORBIDDEN_KEYS.has(key) || key.length > LONG_KEY) return -1;
    const k = countKeys((value as Record<string, unknown>)[key]);
    if (k < 0) return -1;
    total += k + 1;
  }
  return total;
}
