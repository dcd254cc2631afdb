import { splitTemplate } from './grammar.ts';

/**
 * Provenance of resolved parameter values, recorded per resolved parameter object:
 * - option-like: strings that BEGIN with a template (`${{ vars.x }}`, not `--out=${{ vars.x }}`)
 *   and resolved to something starting with `-`, so ctx.exec can refuse them in an argument
 *   position (E_ARG_OPTION_INJECTION, catalogue #13) without the plugin's help;
 * - run-time: strings produced by a template reading the environment or a step's output — the
 *   only secret-marked parameter values that are secrets (a literal, or a `vars` value, is
 *   written in the mission for anyone to read; redacting it would only let an author censor).
 */

interface Provenance {
  optionLike: Set<string>;
  runtime: Set<string>;
}

const recorded = new WeakMap<object, Provenance>();
const NONE: ReadonlySet<string> = new Set();

function strings(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') out.add(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) strings(v, out);
}

function collect(raw: unknown, resolved: unknown, into: Provenance): void {
  if (typeof raw === 'string') {
    if (!raw.includes('${{')) return;
    const segments = splitTemplate(raw);
    if (segments[0]?.type === 'ref') {
      for (const v of Array.isArray(resolved) ? resolved : [resolved]) if (typeof v === 'string' && v.startsWith('-')) into.optionLike.add(v);
    }
    if (segments.some((s) => s.type === 'ref' && s.ref.kind !== 'vars')) strings(resolved, into.runtime);
    return;
  }
  if (Array.isArray(raw) && Array.isArray(resolved)) {
    raw.forEach((item, i) => collect(item, resolved[i], into));
  } else if (typeof raw === 'object' && raw !== null && typeof resolved === 'object' && resolved !== null) {
    for (const key of Object.keys(raw)) collect((raw as Record<string, unknown>)[key], (resolved as Record<string, unknown>)[key], into);
  }
}

/** Remembers the provenance of `resolved` (the result of resolving `raw`). */
export function recordTemplatedOptions(raw: unknown, resolved: unknown): void {
  if (typeof resolved !== 'object' || resolved === null) return;
  const into: Provenance = { optionLike: new Set(), runtime: new Set() };
  collect(raw, resolved, into);
  if (into.optionLike.size > 0 || into.runtime.size > 0) recorded.set(resolved, into);
}

/** The option-like templated values recorded for a resolved parameter object (empty if none). */
export function templatedOptionValues(resolved: unknown): ReadonlySet<string> {
  return typeof resolved === 'object' && resolved !== null ? (recorded.get(resolved)?.optionLike ?? NONE) : NONE;
}

/** Strings of a resolved parameter object that came from an `env.*` or `steps.*` template. */
export function runtimeTemplatedValues(resolved: unknown): ReadonlySet<string> {
  return typeof resolved === 'object' && resolved !== null ? (recorded.get(resolved)?.runtime ?? NONE) : NONE;
}
