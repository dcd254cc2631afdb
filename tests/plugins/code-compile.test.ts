import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import compileCode from '@rustchain/plugin-compile-code';
import type { DefinedPlugin } from '../../core/src/plugin/sdk.ts';
import { rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { codeCtx, installed, nodePackage, rustCrate, TOOL_ENV } from './code-helpers.ts';
import { allowing, runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface CodeOut {
  language: string;
  command: string[];
  exit_code: number;
  success: boolean;
  stdout: string;
  stderr: string;
  duration_ms: number;
  counts: Record<string, number> | null;
}

const hasCargo = installed('cargo');
const hasGo = installed('go');

test('compile_code: node runs `npm run build` in path', async (t) => {
  const root = await tempDir(t, 'rc-code-');
  nodePackage(join(root, 'app'));
  const out = await runPlugin<CodeOut>(compileCode, { path: 'app', language: 'node' }, codeCtx(root, allowing(root, 'npm')));
  assert.deepEqual([out.success, out.exit_code, out.command], [true, 0, ['npm', 'run', 'build']]);
  assert.ok(existsSync(join(root, 'app', 'out.txt')));
  assert.equal(out.counts, null);
});

test('compile_code: a failing build is E_CODE_COMPILE_FAILED with the outputs; allow_failure returns them', async (t) => {
  const root = await tempDir(t, 'rc-code-');
  nodePackage(root, { build: 'node -e "console.error(\'boom\'); process.exit(3)"' });
  const error = await rejectsWith(runPlugin(compileCode, { path: '.', language: 'node' }, codeCtx(root, allowing(root, 'npm'))), 'E_CODE_COMPILE_FAILED');
  const outputs = error.details['outputs'] as CodeOut;
  assert.equal(outputs.exit_code, 3);
  assert.match(outputs.stderr, /boom/);
  const out = await runPlugin<CodeOut>(compileCode, { path: '.', language: 'node', allow_failure: true, tail_bytes: 64 }, codeCtx(root, allowing(root, 'npm')));
  assert.deepEqual([out.success, out.exit_code], [false, 3]);
  assert.ok(Buffer.byteLength(out.stderr) <= 64);
});

test('compile_code: rust runs `cargo check`; errors are counted', { skip: !hasCargo && 'cargo is not installed' }, async (t) => {
  const root = await tempDir(t, 'rc-code-');
  rustCrate(root);
  const out = await runPlugin<CodeOut>(compileCode, { path: root, args: ['--offline'] }, codeCtx(root, allowing(root, 'cargo')));
  assert.deepEqual([out.success, out.language, out.command], [true, 'rust', ['cargo', 'check', '--offline']]);
  assert.deepEqual(out.counts, { errors: 0, warnings: 0 });
  rustCrate(root, { broken: true });
  const error = await rejectsWith(runPlugin(compileCode, { path: root, args: ['--offline'] }, codeCtx(root, allowing(root, 'cargo'))), 'E_CODE_COMPILE_FAILED');
  assert.equal((error.details['counts'] as Record<string, number>)['errors'], 2);
});

test('compile_code: go is reported missing when allowed but not installed', { skip: hasGo && 'go is installed here' }, async (t) => {
  const root = await tempDir(t, 'rc-code-');
  const error = await rejectsWith(runPlugin(compileCode, { path: '.', language: 'go' }, codeCtx(root, allowing(root, 'go'))), 'E_CODE_TOOL_MISSING');
  assert.equal(error.details['tool'], 'go');
});

test('compile_code: bad input — unknown language, missing path, a file, outside the roots', async (t) => {
  const root = await tempDir(t, 'rc-code-');
  write(root, { 'file.txt': 'x' });
  const plugin = compileCode as DefinedPlugin;
  const ctx = codeCtx(root, allowing(root, 'npm', 'cargo'));
  assert.equal((await import('@sinclair/typebox/value')).Value.Check(plugin.params, { path: '.', language: 'python' }), false);
  await rejectsWith(plugin.run({ path: '.', language: 'python' } as never, ctx), 'E_CODE_LANGUAGE_UNSUPPORTED');
  await rejectsWith(runPlugin(compileCode, { path: 'missing', language: 'node' }, ctx), 'E_FS_NOT_FOUND');
  await rejectsWith(runPlugin(compileCode, { path: 'file.txt', language: 'node' }, ctx), 'E_CODE_NOT_A_DIRECTORY');
  await rejectsWith(runPlugin(compileCode, { path: '/', language: 'node' }, ctx), 'E_POLICY_PATH_DENIED');
});

test('compile_code: through the engine; refused statically when npm is not allowed (nothing ran)', async (t) => {
  const root = await tempDir(t, 'rc-code-');
  nodePackage(root);
  const denied = await runThroughEngine(compileCode, { path: '.', language: 'node' }, allowing(root, 'cargo'), root, TOOL_ENV);
  assert.deepEqual([denied.result, denied.denied.includes('E_POLICY_COMMAND_DENIED')], [null, true]);
  assert.equal(existsSync(join(root, 'out.txt')), false);
  const ok = await runThroughEngine(compileCode, { path: '.', language: 'node' }, allowing(root, 'npm'), root, TOOL_ENV);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.ok(existsSync(join(root, 'out.txt')));
});
