import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import generateDocs from '@rustchain/plugin-generate-docs';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface DocsOut {
  markdown: string;
  path: string | null;
  bytes: number;
  file_count: number;
  function_count: number;
  undocumented: string[];
}

const SOURCE = `/**
 * Adds two numbers.
 * @param a - the first
 * @param b the second | with a pipe
 * @returns their sum
 */
export function add(a: number, b = 2): number {
  return a + b;
}

function helper(x) { return x; }
`;

const run = (root: string, params: Record<string, unknown>) => runPlugin<DocsOut>(generateDocs, params, ctxFor(root, policyFor(root)));

test('generate_docs: Markdown with signature, description, parameter table and return, written to output', async (t) => {
  const root = await tempDir(t, 'rc-docs-');
  write(root, { 'src/math.ts': SOURCE });
  const out = await run(root, { path: 'src', output: 'docs/API.md', title: 'Math API' });
  assert.equal(out.path, join(root, 'docs/API.md'));
  assert.equal(readFileSync(join(root, 'docs/API.md'), 'utf8'), out.markdown);
  assert.equal(out.bytes, Buffer.byteLength(out.markdown));
  assert.deepEqual([out.file_count, out.function_count, out.undocumented], [1, 2, ['src/math.ts#helper']]);
  const md = out.markdown;
  assert.match(md, /^# Math API\n/);
  assert.match(md, /^## `src\/math\.ts`$/m);
  assert.match(md, /^```ts\nadd\(a: number, b\?: number\): number\n```$/m);
  assert.match(md, /^Adds two numbers\.$/m);
  assert.match(md, /^\| `a` \| `number` \| the first \|$/m);
  assert.match(md, /^\| `b` \| `number` \(optional, default `2`\) \| the second \\\| with a pipe \|$/m);
  assert.match(md, /^\*\*Returns\*\* `number` — their sum$/m);
  assert.match(md, /^_function, exported, lines 7–9_$/m);
  assert.match(md, /### `helper`\n\n```ts\nhelper\(x: any\): any\n```\n\n_No description\._/);
});

test('generate_docs: exported_only, no output (nothing written), nothing found', async (t) => {
  const root = await tempDir(t, 'rc-docs-');
  write(root, { 'm.ts': SOURCE, 'empty/readme.txt': 'x' });
  const out = await run(root, { path: 'm.ts', exported_only: true });
  assert.deepEqual([out.path, out.function_count], [null, 1]);
  assert.doesNotMatch(out.markdown, /helper/);
  assert.match(out.markdown, /^# API: m\.ts$/m);
  const none = await run(root, { path: 'empty' });
  assert.match(none.markdown, /_No functions found\._/);
});

test('generate_docs: unsupported language, denied output (checked before extracting), denied path', async (t) => {
  const root = await tempDir(t, 'rc-docs-');
  write(root, { 'main.go': 'package main\n', 'm.ts': SOURCE });
  await rejectsWith(run(root, { path: 'main.go' }), 'E_EXTRACT_UNSUPPORTED_LANGUAGE');
  await rejectsWith(run(root, { path: 'm.ts', output: '../outside.md' }), 'E_POLICY_PATH_DENIED');
  await rejectsWith(run(root, { path: 'm.ts', output: '.git/hooks/pre-commit' }), 'E_POLICY_PATH_DENIED');
  const readOnly = { ...policyFor(root), fs: { read: [root], write: [] } };
  await rejectsWith(runPlugin(generateDocs, { path: 'm.ts', output: 'API.md' }, ctxFor(root, readOnly)), 'E_POLICY_PATH_DENIED');
  assert.equal(existsSync(join(root, 'API.md')), false);
});

test('generate_docs: through the engine; refused statically when output is not writable (nothing written)', async (t) => {
  const root = await tempDir(t, 'rc-docs-');
  write(root, { 'm.ts': SOURCE });
  const denied = await runThroughEngine(generateDocs, { path: 'm.ts', output: 'API.md' }, { ...policyFor(root), fs: { read: [root], write: [] } }, root);
  assert.deepEqual([denied.result, denied.denied], [null, ['E_POLICY_PATH_DENIED']]);
  assert.equal(existsSync(join(root, 'API.md')), false);
  const ok = await runThroughEngine(generateDocs, { path: 'm.ts', output: 'API.md' }, policyFor(root), root);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.ok(existsSync(join(root, 'API.md')));
});
