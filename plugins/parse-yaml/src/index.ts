import { definePlugin, parseYamlValue, Type } from '@rustchain/core/plugin';

/**
 * `parse_yaml`: parses YAML text into a value with the mission loader's hardened reader
 * (`parseYamlValue`), so parsed data gets the defences mission files get.
 */

/** Parameters of a `parse_yaml` step. */
const Params = Type.Object(
  {
    content: Type.String({ description: 'the YAML text to parse (one YAML 1.2 document; JSON is YAML)' }),
  },
  { additionalProperties: true },
);

/** JSON type names of a parsed value. */
const TYPES = ['object', 'array', 'string', 'number', 'boolean', 'null'] as const;

/** Outputs of a `parse_yaml` step. */
const Outputs = Type.Object({
  value: Type.Unknown({ description: 'the parsed value; an empty document is null' }),
  type: Type.Union(TYPES.map((t) => Type.Literal(t)), { description: 'JSON type of `value`' }),
});

/** The JSON type name of a parsed value. */
function jsonType(value: unknown): (typeof TYPES)[number] {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'object' | 'string' | 'number' | 'boolean';
}

/** The `parse_yaml` step type: YAML text to a value, through the loader's reader. */
export default definePlugin({
  type: 'parse_yaml',
  description: 'Parse YAML text into a value with the loader\'s hardened reader (no tags, capped aliases, one document)',
  params: Params,
  outputs: Outputs,
  capabilities: [],
  effect: 'pure',
  async run(params) {
    // Errors already carry core's codes, line and column: they are the step's failure as is.
    const value = parseYamlValue(params.content);
    return { value, type: jsonType(value) };
  },
});
