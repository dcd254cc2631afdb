import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PluginError } from '@rustchain/core/plugin';

/**
 * Compiling a user's JSON Schema with ajv: the draft comes from `$schema` (2020-12, 2019-09,
 * else draft-07/06), strict mode is off (user schemas carry unknown keywords and formats,
 * which stay annotations), every error is collected, and nothing is ever fetched: a `$ref`
 * to a remote document simply does not resolve (E_VALIDATE_SCHEMA_BAD_SCHEMA).
 */

/** One validation error, as reported in the outputs. */
export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  message: string;
}

const OPTIONS = { strict: false, allErrors: true, logger: false, validateFormats: false } as const;

function engineFor(schema: unknown): Ajv | Ajv2019 | Ajv2020 {
  const dialect = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (typeof dialect === 'string' && dialect.includes('2020-12')) return new Ajv2020(OPTIONS);
  if (typeof dialect === 'string' && dialect.includes('2019-09')) return new Ajv2019(OPTIONS);
  return new Ajv(OPTIONS);
}

/** The compiled validator; an unusable schema fails with E_VALIDATE_SCHEMA_BAD_SCHEMA. */
export function compile(schema: unknown): ValidateFunction {
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    throw badSchema('a JSON Schema is an object or a boolean');
  }
  try {
    return engineFor(schema).compile(schema as object);
  } catch (error) {
    throw badSchema(error instanceof Error ? error.message : String(error), error);
  }
}

function badSchema(reason: string, cause?: unknown): PluginError {
  return new PluginError('E_VALIDATE_SCHEMA_BAD_SCHEMA', `the schema cannot be used: ${reason}`, {
    details: { reason },
    nonRetryable: true,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** ajv's errors in the output shape, at most `max`. */
export function toErrors(errors: readonly ErrorObject[] | null | undefined, max: number): SchemaError[] {
  return (errors ?? []).slice(0, max).map((e) => ({
    instancePath: e.instancePath,
    schemaPath: e.schemaPath,
    keyword: e.keyword,
    message: e.message ?? e.keyword,
  }));
}
