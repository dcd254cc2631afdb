import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import lintCode, { eslintCounts } from '@rustchain/plugin-lint-code';
import { rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { codeCtx, installed, rustCrate, TOOL_ENV } from './code-helpers.ts';
import { allowing, runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface LintOut {
  command: string[];
  success: boolean;
  counts: Record<string, number> | null;
}

const hasClippy = installed('cargo-clippy');
const ESLINT = new URL('../../node_modules/eslint/bin/eslint.js', import.meta.url).pathname;

/** A project using the repository's real eslint (linked into its node_modules/.bin) with a flat config. */
function eslintProject(root: string, source: string): void {
  write(root, {
    'package.json': '{"name":"l","version":"1.0.0","private":true}',
    'eslint.config.mjs': 'export default [{ files: ["**/*.js"], rules: { "no-unused-vars": "error", "no-var": "warn" } }];\n',
    'x.js': source,
  });
  write(root, { 'node_modules/.bin/.keep': '' });
  symlinkSync(ESLINT, join(root, 'node_modules/.bin/eslint'));
}

test('lint_code: node runs the project eslint; findings fail with counts; allow_failure keeps them', async (t) => {
  const root = await tempDir(t, 'rc-lint-');
  eslintProject(root, 'var a = 1;\nconst b = 2;\n');
  const error = await rejectsWith(runPlugin(lintCode, { path: '.', language: 'node' }, codeCtx(root, allowing(root, 'npx'))), 'E_CODE_LINT_FAILED');
  assert.deepEqual(error.details['counts'], { problems: 3, errors: 2, warnings: 1 });
  const out = await runPlugin<LintOut>(lintCode, { path: '.', language: 'node', allow_failure: true }, codeCtx(root, allowing(root, 'npx')));
  assert.deepEqual([out.success, out.command], [false, ['npx', '--no-install', 'eslint', '.']]);
});

test('lint_code: node without eslint in the project is E_CODE_TOOL_MISSING', async (t) => {
  const root = await tempDir(t, 'rc-lint-');
  write(root, { 'package.json': '{"name":"l","version":"1.0.0"}', 'x.js': 'let a = 1;\n' });
  const error = await rejectsWith(runPlugin(lintCode, { path: '.', language: 'node' }, codeCtx(root, allowing(root, 'npx'))), 'E_CODE_TOOL_MISSING');
  assert.equal(error.details['tool'], 'eslint');
});

test('lint_code: rust cargo clippy counts warnings without failing', { skip: !hasClippy && 'clippy is not installed' }, async (t) => {
  const root = await tempDir(t, 'rc-lint-');
  rustCrate(root);
  write(root, { 'src/lib.rs': 'pub fn add(a: i32, b: i32) -> i32 {\n    let unused = 1;\n    return a + b;\n}\n' });
  const out = await runPlugin<LintOut>(lintCode, { path: '.', args: ['--offline'] }, codeCtx(root, allowing(root, 'cargo')));
  assert.equal(out.success, true);
  assert.equal(out.counts?.['warnings'], 2);
  await rejectsWith(runPlugin(lintCode, { path: '.', args: ['--offline', '--', '-D', 'warnings'] }, codeCtx(root, allowing(root, 'cargo'))), 'E_CODE_LINT_FAILED');
});

test('lint_code: eslint summary parsing', () => {
  assert.deepEqual(eslintCounts('\n✖ 1 problem (0 errors, 1 warning)\n', ''), { problems: 1, errors: 0, warnings: 1 });
  assert.deepEqual(eslintCounts('', ''), { problems: 0, errors: 0, warnings: 0 });
});

test('lint_code: through the engine; refused statically when npx is not allowed', async (t) => {
  const root = await tempDir(t, 'rc-lint-');
  eslintProject(root, 'export const a = 1;\n');
  const denied = await runThroughEngine(lintCode, { path: '.', language: 'node' }, allowing(root, 'npm'), root, TOOL_ENV);
  assert.deepEqual([denied.result, denied.denied.includes('E_POLICY_COMMAND_DENIED')], [null, true]);
  const ok = await runThroughEngine(lintCode, { path: '.', language: 'node' }, allowing(root, 'npx'), root, TOOL_ENV);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.deepEqual((ok.result?.steps[0]?.outputs as LintOut | undefined)?.counts, { problems: 0, errors: 0, warnings: 0 });
});
