import { Type } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import type { Diagnostic } from '../errors.ts';
import { didYouMean } from '../loader/suggest.ts';
import { PolicyFileSchema } from '../policy/file.ts';
import type { RustchainConfig } from '../config/types.ts';

const StringList = Type.Array(Type.String({ minLength: 1 }));

/**
 * The shape of a config's default export. Closed throughout: a typo at the top level would
 * silently drop plugins, and in `policy` it could drop a restriction (`sandbx: required`).
 * `policy` is checked by the same schema as a `--policy` file.
 */
const ConfigSchema = Type.Object(
  {
    plugins: StringList,
    policy: Type.Optional(PolicyFileSchema),
    stateDir: Type.Optional(Type.String({ minLength: 1 })),
    keyDir: Type.Optional(Type.String({ minLength: 1 })),
    trustedCompileKeys: Type.Optional(StringList),
    audit: Type.Optional(Type.Object({ anchors: Type.Optional(StringList) }, { additionalProperties: false })),
    settings: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Unknown())),
    telemetry: Type.Optional(Type.Object({ otlp: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const TOP_LEVEL_KEYS = Object.keys(ConfigSchema.properties);

/** Checks a loaded config value; returns every problem found (empty = valid). */
export function checkConfig(value: unknown, file: string): Diagnostic[] {
  const at = (pointer: string, message: string, hint?: string): Diagnostic => ({
    code: 'E_CONFIG_INVALID',
    severity: 'error',
    message,
    file,
    line: 1,
    column: 1,
    pointer,
    ...(hint === undefined ? {} : { hint }),
  });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [at('', 'the config must default-export an object', 'export default defineConfig({ plugins: [...] })')];
  }
  const diagnostics: Diagnostic[] = [];
  for (const key of Object.keys(value)) {
    if (TOP_LEVEL_KEYS.includes(key)) continue;
    const near = didYouMean(key, TOP_LEVEL_KEYS);
    const hint = near !== null ? `did you mean \`${near}\`?` : `known keys: ${TOP_LEVEL_KEYS.join(', ')}`;
    diagnostics.push(at(`/${key}`, `unknown config key \`${key}\``, hint));
  }
  const seen = new Set<string>();
  for (const error of Value.Errors(ConfigSchema, value)) {
    // Unknown top-level keys were reported above, with a did-you-mean; one problem per path is enough
    // (a missing field is also "not an array").
    const topLevel = error.path.lastIndexOf('/') === 0;
    if ((error.type === ValueErrorType.ObjectAdditionalProperties && topLevel) || seen.has(error.path)) continue;
    seen.add(error.path);
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      // A misspelt nested key (`policy.sandbx`): name it and the key it is closest to.
      const key = (error.path.split('/').pop() ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
      const known = Object.keys((error.schema as { properties?: Record<string, unknown> }).properties ?? {});
      const near = didYouMean(key, known);
      diagnostics.push(at(error.path, `unknown key \`${key}\``, near !== null ? `did you mean \`${near}\`?` : `known keys here: ${known.join(', ')}`));
      continue;
    }
    diagnostics.push(at(error.path, `${error.path || 'config'}: ${error.message}`));
  }
  return diagnostics;
}

/** Narrows a value `checkConfig` accepted. */
export function asConfig(value: unknown): RustchainConfig {
  return value as RustchainConfig;
}
