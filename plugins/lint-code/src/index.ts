import { definePlugin, Type } from '@rustchain/core/plugin';
import { CODE_OUTPUTS, CODE_PARAMS, cargoDiagnostics, runTool, sumMatches, toolClaims, type ToolStep } from '@rustchain/plugin-compile-code';

/**
 * `lint_code`: `cargo clippy`, `go vet ./...` and `npx --no-install eslint .` inside `path`.
 * The original ran `golint`, which is archived upstream and not part of Go; `go vet` ships
 * with the toolchain. For node, eslint must be installed in the project (nothing is
 * downloaded); without it the step fails with E_CODE_TOOL_MISSING before running anything.
 * Lint findings that make the linter exit non-zero fail the step (E_CODE_LINT_FAILED) unless
 * `allow_failure`; clippy warnings alone do not (add `args: ["--", "-D", "warnings"]`).
 */

/** eslint's summary: `✖ N problems (E errors, W warnings)`; zero when it printed none and passed. */
export function eslintCounts(stdout: string, _stderr: string): Record<string, number> {
  const found = sumMatches(stdout, /✖ (\d+) problems? \((\d+) errors?, (\d+) warnings?\)/, ['problems', 'errors', 'warnings']);
  return found ?? { problems: 0, errors: 0, warnings: 0 };
}

const step: ToolStep = {
  type: 'lint_code',
  failureCode: 'E_CODE_LINT_FAILED',
  access: () => 'write',
  spec(language) {
    switch (language) {
      case 'rust':
        return { argv: ['cargo', 'clippy'], counts: cargoDiagnostics };
      case 'go':
        return { argv: ['go', 'vet', './...'] };
      case 'node':
        return { argv: ['npx', '--no-install', 'eslint', '.'], localBin: 'eslint', counts: eslintCounts };
    }
  },
};

/** The `lint_code` step type. */
export default definePlugin({
  type: 'lint_code',
  description: 'Lints a project (cargo clippy, go vet, eslint) with error/warning counts; a failing linter fails the step.',
  params: Type.Object(CODE_PARAMS, { additionalProperties: true }),
  outputs: Type.Object(CODE_OUTPUTS),
  capabilities: ['exec', 'fs.write'],
  effect: 'idempotent',
  claims: (p) => toolClaims(step, p),
  run: (p, ctx) => runTool(step, p, ctx),
});
