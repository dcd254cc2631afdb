import { splitTemplate } from '../template/grammar.ts';

type Vars = Readonly<Record<string, string | number | boolean>>;

/**
 * Step parameters with every template that reads only declared `vars` replaced by its value,
 * as the executor will (a string that is exactly one template keeps the var's type; inside
 * text it is interpolated). Vars are known before anything runs, so `args: "${{ vars.flags }}"`
 * can be checked against the params schema at validation instead of failing at run time.
 * Strings that read steps or env, or an undeclared var, stay as written (checked at run time).
 */
export function resolveStaticVars(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') return value.includes('${{') ? resolveString(value, vars) : value;
  if (Array.isArray(value)) return value.map((item) => resolveStaticVars(item, vars));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, { value: resolveStaticVars((value as Record<string, unknown>)[key], vars), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function resolveString(text: string, vars: Vars): unknown {
  const segments = splitTemplate(text);
  const known = (name: string): boolean => Object.prototype.hasOwnProperty.call(vars, name);
  if (!segments.every((s) => s.type === 'text' || (s.type === 'ref' && s.ref.kind === 'vars' && known(s.ref.name)))) return text;
  const only = segments[0];
  if (segments.length === 1 && only?.type === 'ref' && only.ref.kind === 'vars') return vars[only.ref.name];
  return segments.map((s) => (s.type === 'text' ? s.text : s.type === 'ref' && s.ref.kind === 'vars' ? String(vars[s.ref.name]) : '')).join('');
}
