import { definePlugin, isRustchainError, parseJsonValue, PluginError, Type } from '@rustchain/core/plugin';

/**
 * `validate_schema`: checks data against a JSON Schema with ajv. Invalid data fails the step
 * (E_VALIDATE_SCHEMA_INVALID, outputs attached) unless `fail_on_invalid: false`; then the
 * step succeeds with `valid: false` and the errors, for a later step to act on.
 */

/** Errors kept in the outputs at most. */
const MAX_ERRORS = 100;

/** Parameters of a `validate_schema` step. */
const Params = Type.Object(
  {
    data: Type.Unknown({ description: 'the data: a string is JSON text (as in the original); any other value is validated as is' }),
    schema: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Boolean(), Type.String()], {
      description: 'the JSON Schema (draft-07 by default; 2019-09 and 2020-12 by `$schema`), or its JSON text',
    }),
    fail_on_invalid: Type.Optional(Type.Boolean({ description: 'fail the step when the data does not match (default true)' })),
  },
  { additionalProperties: true },
);

/** Outputs of a `validate_schema` step. */
const Outputs = Type.Object({
  valid: Type.Boolean(),
  errors: Type.Array(
    Type.Object({
      instancePath: Type.String({ description: 'JSON pointer into the data' }),
      schemaPath: Type.String({ description: 'JSON pointer into the schema, from `#`' }),
      keyword: Type.String(),
      message: Type.String(),
    }),
    { description: `every violation (at most ${MAX_ERRORS}); empty when valid` },
  ),
  value: Type.Unknown({ description: 'the data that was validated (parsed when given as text)' }),
});

/** Parses JSON text given for `param`, failing with `code` (line and column in details). */
function fromJson(text: string, param: 'data' | 'schema', code: `E_${Uppercase<string>}`): unknown {
  try {
    return parseJsonValue(text, { source: param });
  } catch (error) {
    if (!isRustchainError(error)) throw error;
    throw new PluginError(code, `\`${param}\` is not valid JSON: ${error.message}`, {
      details: { ...error.details, reason: error.code },
      nonRetryable: true,
      cause: error,
    });
  }
}

/** The `validate_schema` step type: data against a JSON Schema with ajv. */
export default definePlugin({
  type: 'validate_schema',
  description: 'Validate data (JSON text or a value) against a JSON Schema with ajv; invalid data fails the step unless fail_on_invalid is false',
  params: Params,
  outputs: Outputs,
  capabilities: [],
  effect: 'pure',
  async run(p) {
    // ajv loads only when a step runs: the registry imports every plugin at start-up.
    const { compile, toErrors } = await import('./ajv.ts');
    const schema = typeof p.schema === 'string' ? fromJson(p.schema, 'schema', 'E_VALIDATE_SCHEMA_SCHEMA_SYNTAX') : p.schema;
    const validate = compile(schema);
    const value = typeof p.data === 'string' ? fromJson(p.data, 'data', 'E_VALIDATE_SCHEMA_DATA_SYNTAX') : (p.data ?? null);
    const valid = validate(value) as boolean;
    const outputs = { valid, errors: valid ? [] : toErrors(validate.errors, MAX_ERRORS), value };
    if (!valid && (p.fail_on_invalid ?? true)) {
      const first = outputs.errors[0];
      const where = first ? ` (${first.instancePath || '/'} ${first.message})` : '';
      throw new PluginError('E_VALIDATE_SCHEMA_INVALID', `the data does not match the schema${where}`, {
        details: { outputs, errors: outputs.errors },
        nonRetryable: true,
      });
    }
    return outputs;
  },
});
