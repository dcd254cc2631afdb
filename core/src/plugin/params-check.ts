import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { checkSchema, type SchemaProblem } from '../loader/schema-check.ts';

/**
 * The one check of a step's parameters against its plugin's params schema. `mission validate`
 * (loader) and execution (dispatcher) both call it, so a mission that validates cannot then
 * fail at run time with E_PARAMS_INVALID for the same parameters (unknown properties of a
 * closed schema used to pass the first and fail the second).
 */

const NO_PROBLEMS: readonly SchemaProblem[] = Object.freeze([]);

/** Compiled once per schema object, for every run and every validation in the process. */
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * [] when `params` match `schema`; else every problem with its pointer relative to the
 * parameters: E_SCHEMA_REQUIRED, E_SCHEMA_TYPE, E_SCHEMA_VALUE, or E_SCHEMA_UNKNOWN_FIELD for a
 * property a closed (`additionalProperties: false`) schema does not declare.
 */
export function checkStepParams(schema: TSchema, params: unknown): readonly SchemaProblem[] {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  // Passing parameters (every step of a good run) share one empty answer.
  if (check.Check(params)) return NO_PROBLEMS;
  const problems = checkSchema(schema, params, '', { unknownFields: true });
  // Never "invalid, but no problem to show": the compiled check is the verdict.
  return problems.length > 0 ? problems : [{ code: 'E_SCHEMA_TYPE', pointer: '', message: 'the parameters do not match the schema', missing: false }];
}
