import assert from 'node:assert/strict';
import { test } from 'node:test';
import runTests, { cargoTestCounts, goTestCounts, nodeTestCounts } from '@rustchain/plugin-run-tests';
import { rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { codeCtx, installed, nodePackage, rustCrate, TOOL_ENV } from './code-helpers.ts';
import { allowing, runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface CodeOut {
  command: string[];
  exit_code: number;
  success: boolean;
  stdout: string;
  counts: Record<string, number> | null;
}

const hasCargo = installed('cargo');
const hasGo = installed('go');

test('run_tests: node `npm test` (node --test) passes with its counts', async (t) => {
  const root = await tempDir(t, 'rc-tests-');
  nodePackage(root);
  const out = await runPlugin<CodeOut>(runTests, { path: '.', language: 'node' }, codeCtx(root, allowing(root, 'npm')));
  assert.deepEqual([out.success, out.command], [true, ['npm', 'test']]);
  assert.equal(out.counts?.['passed'], 1);
  assert.equal(out.counts?.['failed'], 0);
});

test('run_tests: a failing node test is E_CODE_TESTS_FAILED with counts; allow_failure returns them', async (t) => {
  const root = await tempDir(t, 'rc-tests-');
  nodePackage(root, { failing: true });
  const error = await rejectsWith(runPlugin(runTests, { path: '.', language: 'node' }, codeCtx(root, allowing(root, 'npm'))), 'E_CODE_TESTS_FAILED');
  assert.deepEqual([error.details['counts'] && (error.details['counts'] as Record<string, number>)['passed'], (error.details['counts'] as Record<string, number>)['failed']], [1, 1]);
  const out = await runPlugin<CodeOut>(runTests, { path: '.', language: 'node', allow_failure: true }, codeCtx(root, allowing(root, 'npm')));
  assert.equal(out.success, false);
  assert.notEqual(out.exit_code, 0);
});

test('run_tests: rust `cargo test` counts passed and failed', { skip: !hasCargo && 'cargo is not installed' }, async (t) => {
  const root = await tempDir(t, 'rc-tests-');
  rustCrate(root, { failing: true });
  const error = await rejectsWith(runPlugin(runTests, { path: '.', args: ['--offline'] }, codeCtx(root, allowing(root, 'cargo'))), 'E_CODE_TESTS_FAILED');
  assert.deepEqual(error.details['counts'], { passed: 1, failed: 1, ignored: 0 });
  rustCrate(root);
  const out = await runPlugin<CodeOut>(runTests, { path: '.', args: ['--offline'] }, codeCtx(root, allowing(root, 'cargo')));
  assert.equal(out.success, true);
  assert.equal(out.counts?.['passed'], 1);
});

test('run_tests: go test', { skip: !hasGo && 'go is not installed here' }, async (t) => {
  const root = await tempDir(t, 'rc-tests-');
  write(root, { 'go.mod': 'module tiny\n\ngo 1.20\n', 'add.go': 'package tiny\n\nfunc Add(a, b int) int { return a + b }\n', 'add_test.go': 'package tiny\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("no")\n\t}\n}\n' });
  const out = await runPlugin<CodeOut>(runTests, { path: '.', language: 'go' }, codeCtx(root, allowing(root, 'go')));
  assert.equal(out.counts?.['packages_passed'], 1);
});

test('run_tests: summary parsers (cargo over several binaries, node TAP and spec, go)', () => {
  assert.deepEqual(
    cargoTestCounts('test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\ntest result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out\n'),
    { passed: 4, failed: 2, ignored: 1 },
  );
  assert.deepEqual(nodeTestCounts('# tests 3\n# pass 2\n# fail 1\n# skipped 0\n'), { tests: 3, passed: 2, failed: 1, skipped: 0 });
  assert.deepEqual(nodeTestCounts('ℹ tests 2\nℹ pass 2\nℹ fail 0\n'), { tests: 2, passed: 2, failed: 0 });
  assert.equal(nodeTestCounts('no summary'), null);
  assert.deepEqual(goTestCounts('--- FAIL: TestX (0.00s)\nFAIL\nFAIL\ta/b\t0.01s\nok  \ta/c\t0.02s\n'), { packages_passed: 1, packages_failed: 1, passed: 0, failed: 1, skipped: 0 });
});

test('run_tests: through the engine; refused statically when npm is not allowed', async (t) => {
  const root = await tempDir(t, 'rc-tests-');
  nodePackage(root);
  const denied = await runThroughEngine(runTests, { path: '.', language: 'node' }, allowing(root, 'node'), root, TOOL_ENV);
  assert.deepEqual([denied.result, denied.denied.includes('E_POLICY_COMMAND_DENIED')], [null, true]);
  const ok = await runThroughEngine(runTests, { path: '.', language: 'node' }, allowing(root, 'npm'), root, TOOL_ENV);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.equal((ok.result?.steps[0]?.outputs as { counts?: Record<string, number> } | undefined)?.counts?.['passed'], 1);
});
