import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import formatCode, { unformattedFiles } from '@rustchain/plugin-format-code';
import { rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { codeCtx, installed, rustCrate, TOOL_ENV } from './code-helpers.ts';
import { allowing, runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface FormatOut {
  command: string[];
  success: boolean;
  formatted: boolean;
  unformatted_files: string[];
  counts: Record<string, number> | null;
}

const hasCargo = installed('cargo');

/**
 * prettier is not installed on this machine, so node tests use a stand-in with prettier's CLI
 * surface (`--check` / `--write`, `[warn] <file>` lines, exit 1 when a check finds files) in
 * the project's node_modules/.bin: what is under test is the plugin's resolution through
 * `npx --no-install`, its argv and its parsing, not prettier.
 */
function fakePrettier(root: string): void {
  write(root, {
    'package.json': '{"name":"p","version":"1.0.0","private":true}',
    'node_modules/.bin/prettier': `#!/usr/bin/env node
const fs = require('fs');
const files = fs.readdirSync('.').filter((f) => f.endsWith('.js')).sort();
if (process.argv[2] === '--check') {
  console.log('Checking formatting...');
  const bad = files.filter((f) => fs.readFileSync(f, 'utf8').includes('  '));
  for (const f of bad) console.error('[warn] ' + f);
  if (bad.length) { console.error('[warn] Code style issues found in the above file. Run Prettier with --write to fix.'); process.exit(1); }
} else if (process.argv[2] === '--write') {
  for (const f of files) fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/  +/g, ' '));
}
`,
  });
  chmodSync(join(root, 'node_modules/.bin/prettier'), 0o755);
}

test('format_code: rust check lists the unformatted file and writes nothing; then cargo fmt fixes it', { skip: !hasCargo && 'cargo is not installed' }, async (t) => {
  const root = await tempDir(t, 'rc-fmt-');
  rustCrate(root, { unformatted: true });
  const before = readFileSync(join(root, 'src/lib.rs'), 'utf8');
  const error = await rejectsWith(runPlugin(formatCode, { path: '.', check: true }, codeCtx(root, allowing(root, 'cargo'))), 'E_CODE_UNFORMATTED');
  assert.deepEqual(error.details['files'], [join(root, 'src/lib.rs')]);
  assert.equal(readFileSync(join(root, 'src/lib.rs'), 'utf8'), before);
  const written = await runPlugin<FormatOut>(formatCode, { path: '.' }, codeCtx(root, allowing(root, 'cargo')));
  assert.deepEqual([written.success, written.formatted, written.command], [true, true, ['cargo', 'fmt']]);
  assert.notEqual(readFileSync(join(root, 'src/lib.rs'), 'utf8'), before);
  const checked = await runPlugin<FormatOut>(formatCode, { path: '.', check: true }, codeCtx(root, allowing(root, 'cargo')));
  assert.deepEqual([checked.formatted, checked.unformatted_files, checked.counts], [true, [], { files: 0 }]);
});

test('format_code: node without prettier in the project is E_CODE_TOOL_MISSING and runs nothing', async (t) => {
  const root = await tempDir(t, 'rc-fmt-');
  write(root, { 'package.json': '{"name":"p","version":"1.0.0"}', 'a.js': 'let  a = 1;\n' });
  const error = await rejectsWith(runPlugin(formatCode, { path: '.', language: 'node' }, codeCtx(root, allowing(root, 'npx'))), 'E_CODE_TOOL_MISSING');
  assert.equal(error.details['tool'], 'prettier');
  assert.match(String(error.details['install']), /npm install --save-dev prettier/);
});

test('format_code: node goes through npx --no-install to the project prettier (check, then write)', async (t) => {
  const root = await tempDir(t, 'rc-fmt-');
  fakePrettier(root);
  write(root, { 'a.js': 'let  a = 1;\n', 'b.js': 'let b = 2;\n' });
  const error = await rejectsWith(runPlugin(formatCode, { path: '.', language: 'node', check: true }, codeCtx(root, allowing(root, 'npx'))), 'E_CODE_UNFORMATTED');
  assert.deepEqual(error.details['files'], ['a.js']);
  const out = await runPlugin<FormatOut>(formatCode, { path: '.', language: 'node' }, codeCtx(root, allowing(root, 'npx')));
  assert.deepEqual(out.command, ['npx', '--no-install', 'prettier', '--write', '.']);
  assert.equal(readFileSync(join(root, 'a.js'), 'utf8'), 'let a = 1;\n');
  const allowFailure = await runPlugin<FormatOut>(formatCode, { path: '.', language: 'node', check: true, allow_failure: true }, codeCtx(root, allowing(root, 'npx')));
  assert.equal(allowFailure.formatted, true);
});

test('format_code: checkers\' file lists are parsed', () => {
  assert.deepEqual(unformattedFiles('rust', 'Diff in /p/src/lib.rs:1:\n-x\nDiff in /p/src/lib.rs:5:\nDiff in /p/src/main.rs at line 3:\n', ''), ['/p/src/lib.rs', '/p/src/main.rs']);
  assert.deepEqual(unformattedFiles('node', 'Checking formatting...\n', '[warn] a.js\n[warn] Code style issues found in the above file. Run Prettier with --write to fix.\n'), ['a.js']);
  assert.deepEqual(unformattedFiles('go', 'a.go\nsub/b.go\n', ''), ['a.go', 'sub/b.go']);
});

test('format_code: check mode needs only read access; write mode needs write; engine run and static refusal', async (t) => {
  const root = await tempDir(t, 'rc-fmt-');
  fakePrettier(root);
  write(root, { 'a.js': 'let a = 1;\n' });
  const readOnly = { ...allowing(root, 'npx'), fs: { read: [root], write: [] } };
  const checked = await runPlugin<FormatOut>(formatCode, { path: '.', language: 'node', check: true }, codeCtx(root, readOnly));
  assert.equal(checked.formatted, true);
  await rejectsWith(runPlugin(formatCode, { path: '.', language: 'node' }, codeCtx(root, readOnly)), 'E_POLICY_PATH_DENIED');
  const denied = await runThroughEngine(formatCode, { path: '.', language: 'node' }, allowing(root, 'npm'), root, TOOL_ENV);
  assert.deepEqual([denied.result, denied.denied.includes('E_POLICY_COMMAND_DENIED')], [null, true]);
  const ok = await runThroughEngine(formatCode, { path: '.', language: 'node', check: true }, allowing(root, 'npx'), root, TOOL_ENV);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
});
