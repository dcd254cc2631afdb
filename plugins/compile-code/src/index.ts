import { definePlugin, Type } from '@rustchain/core/plugin';
import { cargoDiagnostics } from './counts.ts';
import { CODE_OUTPUTS, CODE_PARAMS, runTool, toolClaims, type ToolStep } from './toolchain.ts';

/**
 * `compile_code`: the original's commands — `cargo check`, `go build .`, `npm run build` —
 * run inside `path`; counts are cargo's error and warning totals.
 */
const step: ToolStep = {
  type: 'compile_code',
  failureCode: 'E_CODE_COMPILE_FAILED',
  access: () => 'write',
  spec(language) {
    switch (language) {
      case 'rust':
        return { argv: ['cargo', 'check'], counts: cargoDiagnostics };
      case 'go':
        return { argv: ['go', 'build', '.'] };
      case 'node':
        return { argv: ['npm', 'run', 'build'] };
    }
  },
};

/** The `compile_code` step type. */
export default definePlugin({
  type: 'compile_code',
  description: 'Builds a project with its toolchain (cargo check, go build, npm run build); fails on a non-zero exit.',
  params: Type.Object(CODE_PARAMS, { additionalProperties: true }),
  outputs: Type.Object(CODE_OUTPUTS),
  capabilities: ['exec', 'fs.write'],
  effect: 'idempotent',
  claims: (p) => toolClaims(step, p),
  run: (p, ctx) => runTool(step, p, ctx),
});

export { LANGUAGES, DEFAULT_TAIL_BYTES, CODE_PARAMS, CODE_OUTPUTS, runTool, toolClaims, toolArgv } from './toolchain.ts';
export { sumMatches, cargoDiagnostics } from './counts.ts';
export type { Language, CodeParams, CodeOutputs, ToolSpec, ToolStep } from './toolchain.ts';
