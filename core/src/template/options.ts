import { splitTemplate } from './grammar.ts';

/**
 * Which resolved parameter values could smuggle an option into a command line: strings that
 * BEGIN with a template (`${{ vars.x }}`, not `--out=${{ vars.x }}`) and resolved to something
 * starting with `-`. Recorded per resolved parameter object, so ctx.exec can refuse such a
 * value in an argument position (E_ARG_OPTION_INJECTION, catalogue #13) without the plugin's help.
 */

const optionLike = new WeakMap<object, ReadonlySet<string>>();
const NONE: ReadonlySet<string> = new Set();

function collect(raw: unknown, resolved: unknown, out: Set<string>): void {
  if (typeof raw === 'string') {
    if (!raw.includes('${{') || splitTemplate(raw)[0]?.type !== 'ref') return;
    const values = Array.isArray(resolved) ? resolved : [resolved];
    for (const v of values) if (typeof v === 'string' && v.startsWith('-')) out.add(v);
    return;
  }
  if (Array.isArray(raw) && Array.isArray(resolved)) {
    raw.forEach((item, i) => collect(item, resolved[i], out));
  } else if (typeof raw === 'object' && raw !== null && typeof resolved === 'object' && resolved !== null) {
    for (const key of Object.keys(raw)) collect((raw as Record<string, unknown>)[key], (resolved as Record<string, unknown>)[key], out);
  }
}

/** Remembers the option-like templated values of `resolved` (the result of resolving `raw`). */
export function recordTemplatedOptions(raw: unknown, resolved: unknown): void {
  if (typeof resolved !== 'object' || resolved === null) return;
  const out = new Set<string>();
  collect(raw, resolved, out);
  if (out.size > 0) optionLike.set(resolved, out);
}

/** The option-like templated values recorded for a resolved parameter object (empty if none). */
export function templatedOptionValues(resolved: unknown): ReadonlySet<string> {
  return typeof resolved === 'object' && resolved !== null ? (optionLike.get(resolved) ?? NONE) : NONE;
}
