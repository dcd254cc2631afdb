import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { ErrorCode } from '../errors.ts';

/** One schema problem, before it is given a position. */
export interface SchemaProblem {
  code: ErrorCode;
  /** Pointer of the offending value (for a missing field: the field that should exist). */
  pointer: string;
  message: string;
  /** True when the value is absent, so the diagnostic goes on the parent. */
  missing: boolean;
}

const VALUE_KINDS = new Set<ValueErrorType>([
  ValueErrorType.ArrayMinItems, ValueErrorType.ArrayMaxItems, ValueErrorType.ArrayUniqueItems,
  ValueErrorType.IntegerMinimum, ValueErrorType.IntegerMaximum, ValueErrorType.IntegerExclusiveMinimum,
  ValueErrorType.IntegerExclusiveMaximum, ValueErrorType.IntegerMultipleOf,
  ValueErrorType.NumberMinimum, ValueErrorType.NumberMaximum, ValueErrorType.NumberExclusiveMinimum,
  ValueErrorType.NumberExclusiveMaximum, ValueErrorType.NumberMultipleOf,
  ValueErrorType.StringMinLength, ValueErrorType.StringMaxLength, ValueErrorType.StringPattern, ValueErrorType.StringFormat,
  ValueErrorType.Literal, ValueErrorType.ObjectMinProperties, ValueErrorType.ObjectMaxProperties,
]);

/**
 * Validates `value` against a typebox schema and classifies each problem: a missing
 * required field, a wrong type, or a value out of range. One problem per pointer (typebox
 * reports a union failure once per branch). Unknown properties are left to the caller
 * (which reports them with a did-you-mean and knows which ones are legacy) unless
 * `unknownFields` asks for them as E_SCHEMA_UNKNOWN_FIELD problems.
 */
export function checkSchema(schema: TSchema, value: unknown, basePointer = '', options: { unknownFields?: boolean } = {}): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  // A valid value has no errors of any kind: Check is several times cheaper than walking
  // Errors' generator over a 100,000-step mission to find none.
  if (isValid(schema, value)) return problems;
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      const pointer = basePointer + error.path;
      if (options.unknownFields === true && !seen.has(pointer)) {
        seen.add(pointer);
        problems.push({ code: 'E_SCHEMA_UNKNOWN_FIELD', pointer, message: `unknown field \`${lastToken(pointer)}\``, missing: false });
      }
      continue;
    }
    const specific = mostSpecific(error);
    const pointer = basePointer + specific.path;
    if (seen.has(pointer)) continue;
    seen.add(pointer);
    problems.push(classify(specific, pointer));
  }
  return problems;
}

/** typebox's compiler, once loadSchemaCompiler ran (a large mission is on its way). */
let compiler: typeof TypeCompiler | null = null;

/** Each schema's compiled check (null: the compiler refused it; Value.Check answers). */
const compiled = new WeakMap<TSchema, TypeCheck<TSchema> | null>();

/**
 * Imports typebox's TypeCompiler so that checkSchema answers "valid?" with a compiled check
 * (several times cheaper per node than Value.Check on a large mission). Asked for by the loader
 * for large files only: importing it (~8 ms) and compiling a schema (~5 ms) would grow the
 * start-up of every small `mission validate`. A compiled check only decides whether
 * Value.Errors must run, so diagnostics are always typebox's own.
 */
export async function loadSchemaCompiler(): Promise<void> {
  compiler ??= (await import('@sinclair/typebox/compiler')).TypeCompiler;
}

/** Value.Check, through the schema's compiled check when the compiler is loaded. */
function isValid(schema: TSchema, value: unknown): boolean {
  if (compiler === null) return Value.Check(schema, value);
  let check = compiled.get(schema);
  if (check === undefined) {
    try {
      check = compiler.Compile(schema);
    } catch {
      check = null; // a kind the compiler does not know: Value.Check knows it or throws as before
    }
    compiled.set(schema, check);
  }
  return check === null ? Value.Check(schema, value) : check.Check(value);
}

function classify(error: ValueError, pointer: string): SchemaProblem {
  if (error.type === ValueErrorType.ObjectRequiredProperty) {
    return { code: 'E_SCHEMA_REQUIRED', pointer, message: `missing required field \`${lastToken(pointer)}\``, missing: true };
  }
  if (VALUE_KINDS.has(error.type)) return { code: 'E_SCHEMA_VALUE', pointer, message: lowerFirst(error.message), missing: false };
  const expected = error.type === ValueErrorType.Union ? `expected ${unionChoices(error.schema)}` : expectedType(error);
  return { code: 'E_SCHEMA_TYPE', pointer, message: `${expected}, got ${describe(error.value)}`, missing: false };
}

/**
 * For a union failure, the branch that got furthest: the deepest path, and at equal depth
 * a range problem over a type mismatch (`timeout_seconds: -1` is a value problem, even
 * though the `null` branch reports "expected null").
 */
function mostSpecific(error: ValueError): ValueError {
  if (error.type !== ValueErrorType.Union || !error.errors || error.errors.length === 0) return error;
  let best: ValueError | null = null;
  for (const branch of error.errors) {
    const first = branch.First();
    if (!first) continue;
    const candidate = mostSpecific(first);
    if (!best || rank(candidate) > rank(best)) best = candidate;
  }
  // Every branch failing on type at the same spot: the union's own message lists the choice.
  if (!best || (best.path === error.path && !VALUE_KINDS.has(best.type) && best.type !== ValueErrorType.ObjectRequiredProperty)) return error;
  return best;
}

function rank(e: ValueError): number {
  return e.path.split('/').length * 10 + (VALUE_KINDS.has(e.type) || e.type === ValueErrorType.ObjectRequiredProperty ? 1 : 0);
}

const TYPE_NAMES: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'a boolean', null: 'null' };

function unionChoices(schema: TSchema): string {
  const variants = (schema as { anyOf?: TSchema[] }).anyOf ?? [];
  const names = variants.map((v) => TYPE_NAMES[String((v as { type?: unknown }).type)] ?? 'a value');
  return [...new Set(names)].join(' or ') || 'a different value';
}

/** "expected an integer" from the schema's own type, else typebox's message. */
function expectedType(error: ValueError): string {
  const name = TYPE_NAMES[String((error.schema as { type?: unknown }).type)];
  return name === undefined ? lowerFirst(error.message) : `expected ${name}`;
}

function lastToken(pointer: string): string {
  return (pointer.split('/').pop() ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The YAML-ish type name of a value, for messages. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
