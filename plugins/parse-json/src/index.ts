import { definePlugin, isRustchainError, parseJsonValue, PluginError, Type } from '@rustchain/core/plugin';

/**
 * `parse_json`: parses JSON text into a value with core's strict reader (RFC 8259; depth,
 * size and prototype-polluting keys refused), so a later step can template `value`.
 */

/** Parameters of a `parse_json` step. */
const Params = Type.Object(
  {
    content: Type.String({ description: 'the JSON text to parse' }),
  },
  { additionalProperties: true },
);

/** JSON type names of a parsed value. */
const TYPES = ['object', 'array', 'string', 'number', 'boolean', 'null'] as const;

/** Outputs of a `parse_json` step. */
const Outputs = Type.Object({
  value: Type.Unknown({ description: 'the parsed value' }),
  type: Type.Union(TYPES.map((t) => Type.Literal(t)), { description: 'JSON type of `value`' }),
});

/** The JSON type name of a parsed value. */
function jsonType(value: unknown): (typeof TYPES)[number] {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'object' | 'string' | 'number' | 'boolean';
}

/** The `parse_json` step type: strict JSON text to a value. */
export default definePlugin({
  type: 'parse_json',
  description: 'Parse JSON text into a value (strict; syntax errors carry line and column)',
  params: Params,
  outputs: Outputs,
  capabilities: [],
  effect: 'pure',
  async run(params) {
    let value: unknown;
    try {
      value = parseJsonValue(params.content);
    } catch (error) {
      // Syntax errors get this step type's own code; size, depth and key refusals keep core's.
      if (isRustchainError(error) && error.code === 'E_YAML_PARSE') {
        throw new PluginError('E_PARSE_JSON_SYNTAX', `content is not valid JSON: ${error.message}`, {
          details: { ...error.details },
          nonRetryable: true,
          cause: error,
        });
      }
      throw error;
    }
    return { value, type: jsonType(value) };
  },
});
