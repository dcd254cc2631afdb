/**
 * Plugin parameters marked secret: a typebox property schema carrying `secret: true`
 * (e.g. `Type.String({ secret: true })`). Every string found under such a property, after
 * templates are resolved, is a secret of the run.
 */
import type { TSchema } from '@sinclair/typebox';
import { runtimeTemplatedValues } from '../template/options.ts';

type SchemaNode = TSchema & {
  secret?: unknown;
  properties?: Record<string, TSchema>;
  items?: TSchema | TSchema[];
  anyOf?: TSchema[];
  allOf?: TSchema[];
  oneOf?: TSchema[];
  patternProperties?: Record<string, TSchema>;
  additionalProperties?: TSchema | boolean;
};

/** Every string inside a value (a secret object or array is secret throughout). */
function strings(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
}

/** True when the schema, or one of its nested schemas, marks anything secret (cheap pre-check). */
export function hasSecretParams(schema: TSchema): boolean {
  return JSON.stringify(schema).includes('"secret":true');
}

/** hasSecretParams by schema object, computed once per schema. */
const schemaHasSecrets = new WeakMap<TSchema, boolean>();
function mayHoldSecrets(schema: TSchema): boolean {
  let has = schemaHasSecrets.get(schema);
  if (has === undefined) {
    has = hasSecretParams(schema);
    schemaHasSecrets.set(schema, has);
  }
  return has;
}

/** The secret strings in `value` under `schema` (walks properties, items, records and unions). */
export function secretParamValues(schema: TSchema, value: unknown): string[] {
  const out: string[] = [];
  const walk = (s: SchemaNode | undefined, v: unknown): void => {
    if (s === undefined || v === undefined || v === null) return;
    if (s.secret === true) return strings(v, out);
    for (const branch of [...(s.anyOf ?? []), ...(s.allOf ?? []), ...(s.oneOf ?? [])]) walk(branch as SchemaNode, v);
    if (Array.isArray(v)) {
      const items = s.items;
      v.forEach((item, i) => walk((Array.isArray(items) ? items[i] : items) as SchemaNode | undefined, item));
      return;
    }
    if (typeof v !== 'object') return;
    for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
      const prop = s.properties?.[key] ?? Object.values(s.patternProperties ?? {})[0] ??
        (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      walk(prop as SchemaNode | undefined, inner);
    }
  };
  walk(schema as SchemaNode, value);
  return [...new Set(out)];
}

/**
 * The secret parameter values of a step that ARE secrets: those a template produced from the
 * environment or a step's output. A literal (or `vars`-only) value is in the mission for
 * anyone to read; treating it as secret would only let a mission author censor chosen words
 * from every result and log (E_SECRET_LITERAL warns about it at validation).
 */
export function runtimeSecretParamValues(schema: TSchema, resolved: unknown): string[] {
  const runtime = runtimeTemplatedValues(resolved);
  if (runtime.size === 0) return [];
  return secretParamValues(schema, resolved).filter((v) => runtime.has(v));
}

const RUNTIME_REF = /\$\{\{\s*(env|steps)\./;

/** Pointers (relative to the parameters) of secret-marked values written literally in the mission. */
export function literalSecretParams(schema: TSchema, params: unknown): string[] {
  // Validation asks for every step: most step types mark nothing secret, so skip the walk.
  if (!mayHoldSecrets(schema)) return [];
  const out: string[] = [];
  const walk = (s: SchemaNode | undefined, v: unknown, pointer: string): void => {
    if (s === undefined || v === undefined || v === null) return;
    if (s.secret === true) {
      const found: string[] = [];
      strings(v, found);
      if (found.length > 0 && !found.some((text) => RUNTIME_REF.test(text))) out.push(pointer);
      return;
    }
    for (const branch of [...(s.anyOf ?? []), ...(s.allOf ?? []), ...(s.oneOf ?? [])]) walk(branch as SchemaNode, v, pointer);
    if (Array.isArray(v)) {
      const items = s.items;
      v.forEach((item, i) => walk((Array.isArray(items) ? items[i] : items) as SchemaNode | undefined, item, `${pointer}/${i}`));
      return;
    }
    if (typeof v !== 'object') return;
    for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
      const prop = s.properties?.[key] ?? Object.values(s.patternProperties ?? {})[0] ??
        (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      walk(prop as SchemaNode | undefined, inner, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    }
  };
  walk(schema as SchemaNode, params, '');
  return [...new Set(out)];
}
