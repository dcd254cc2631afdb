import { definePlugin, Type } from '@rustchain/core/plugin';
import { CODE_OUTPUTS, CODE_PARAMS, runTool, toolClaims, type ToolStep } from '@rustchain/plugin-compile-code';
import { cargoTestCounts, goTestCounts, nodeTestCounts } from './counts.ts';

/**
 * `run_tests`: the original's commands — `cargo test`, `go test ./...`, `npm test` — inside
 * `path`, with the pass/fail counts each runner prints. Failing tests fail the step with
 * E_CODE_TESTS_FAILED (counts and output tails in details) unless `allow_failure`.
 */
const step: ToolStep = {
  type: 'run_tests',
  failureCode: 'E_CODE_TESTS_FAILED',
  access: () => 'write',
  spec(language) {
    switch (language) {
      case 'rust':
        return { argv: ['cargo', 'test'], counts: (out) => cargoTestCounts(out) };
      case 'go':
        return { argv: ['go', 'test', './...'], counts: (out) => goTestCounts(out) };
      case 'node':
        return { argv: ['npm', 'test'], counts: (out) => nodeTestCounts(out) };
    }
  },
};

/** The `run_tests` step type. */
export default definePlugin({
  type: 'run_tests',
  description: "Runs a project's tests (cargo test, go test ./..., npm test) with pass/fail counts; failing tests fail the step.",
  params: Type.Object(CODE_PARAMS, { additionalProperties: true }),
  outputs: Type.Object(CODE_OUTPUTS),
  capabilities: ['exec', 'fs.write'],
  effect: 'side-effect',
  claims: (p) => toolClaims(step, p),
  run: (p, ctx) => runTool(step, p, ctx),
});

export { cargoTestCounts, nodeTestCounts, goTestCounts } from './counts.ts';
