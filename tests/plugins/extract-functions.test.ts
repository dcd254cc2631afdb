import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import extractFunctions from '@rustchain/plugin-extract-functions';
import type { DefinedPlugin } from '../../core/src/plugin/sdk.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { runPlugin, runThroughEngine, write } from './git-helpers.ts';

interface Fn {
  name: string;
  kind: string;
  signature: string;
  parameters: Array<{ name: string; type: string | null; optional: boolean; rest: boolean; default?: string }>;
  return_type: string | null;
  exported: boolean;
  async: boolean;
  start_line: number;
  end_line: number;
  doc: string | null;
  tags: Array<{ tag: string; name?: string; text: string }>;
}
interface Out {
  files: Array<{ path: string; language: string; functions: Fn[] }>;
  file_count: number;
  function_count: number;
  truncated: boolean;
  skipped: Array<{ path: string; reason: string }>;
}

const SOURCE = `import { helper } from './helper';

/**
 * Adds two numbers.
 * @param a the first
 * @returns their sum
 */
export async function add(a: number, b = 2) {
  return a + b;
}

export const mul = (a: number, ...rest: number[]): number => a * rest.length;

const internal = function (s?: string) { return s ?? helper(); };

/** A counter. */
export class Counter {
  constructor(private start: number) {}
  /** Increments. */
  inc(by: number): this { return this; }
  static async load(): Promise<Counter> { return new Counter(0); }
  reset = () => 0;
}

export const api = {
  get(id: string) { return [id]; },
  put: (v: number) => v > 0,
};

export default function () { return new Map<string, number>(); }
`;

const run = (root: string, params: Record<string, unknown>) => runPlugin<Out>(extractFunctions, params, ctxFor(root, policyFor(root)));

test('extract_functions: every kind, with written and inferred types, exports, async, lines and JSDoc', async (t) => {
  const root = await tempDir(t, 'rc-extract-');
  write(root, { 'src/main.ts': SOURCE, 'src/helper.ts': 'export function helper(): string { return "h"; }\n' });
  // The directory: helper.ts is parsed too, so the import resolves for inference.
  const out = await run(root, { path: 'src' });
  assert.deepEqual(out.files.map((f) => f.path), ['src/helper.ts', 'src/main.ts']);
  const fns = Object.fromEntries(out.files[1]!.functions.map((f) => [f.name, f]));
  assert.deepEqual(Object.keys(fns).sort(), ['Counter.constructor', 'Counter.inc', 'Counter.load', 'Counter.reset', 'add', 'api.get', 'api.put', 'default', 'internal', 'mul'].sort());
  const add = fns['add']!;
  assert.deepEqual(
    { kind: add.kind, exported: add.exported, async: add.async, start: add.start_line, end: add.end_line, ret: add.return_type, doc: add.doc },
    { kind: 'function', exported: true, async: true, start: 8, end: 10, ret: 'Promise<number>', doc: 'Adds two numbers.' },
  );
  assert.deepEqual(add.parameters, [
    { name: 'a', type: 'number', optional: false, rest: false },
    { name: 'b', type: 'number', optional: true, rest: false, default: '2' },
  ]);
  assert.equal(add.signature, 'async add(a: number, b?: number): Promise<number>');
  assert.deepEqual(add.tags, [{ tag: 'param', name: 'a', text: 'the first' }, { tag: 'returns', text: 'their sum' }]);
  assert.equal(fns['mul']!.signature, 'mul(a: number, ...rest: number[]): number');
  assert.deepEqual([fns['mul']!.kind, fns['mul']!.exported], ['arrow', true]);
  assert.deepEqual([fns['internal']!.kind, fns['internal']!.exported, fns['internal']!.return_type], ['function', false, 'string']);
  assert.deepEqual([fns['Counter.inc']!.kind, fns['Counter.inc']!.doc, fns['Counter.inc']!.exported], ['class-method', 'Increments.', true]);
  assert.equal(fns['Counter.load']!.async, true);
  assert.deepEqual([fns['api.get']!.kind, fns['api.get']!.return_type], ['method', 'string[]']);
  assert.deepEqual([fns['api.put']!.kind, fns['api.put']!.return_type], ['arrow', 'boolean']);
  assert.deepEqual([fns['default']!.exported, fns['default']!.return_type], [true, 'Map<string, number>']);
});

test('extract_functions: JavaScript with JSDoc types; infer_types: false keeps only what is written', async (t) => {
  const root = await tempDir(t, 'rc-extract-');
  write(root, { 'lib.js': '/**\n * Greets.\n * @param {string} name who\n */\nfunction greet(name) { return `hi ${name}`; }\nmodule.exports = { greet };\n' });
  const out = await run(root, { path: 'lib.js' });
  const greet = out.files[0]!.functions[0]!;
  assert.deepEqual([out.files[0]!.language, greet.name, greet.parameters[0]!.type, greet.return_type, greet.doc], ['javascript', 'greet', 'string', 'string', 'Greets.']);
  const bare = await run(root, { path: 'lib.js', infer_types: false });
  assert.deepEqual([bare.files[0]!.functions[0]!.parameters[0]!.type, bare.files[0]!.functions[0]!.return_type, bare.files[0]!.functions[0]!.signature], [null, null, 'greet(name)']);
});

test('extract_functions: a directory walk skips node_modules, hidden dirs, .d.ts, other languages and symlinks; bounded', async (t) => {
  const root = await tempDir(t, 'rc-extract-');
  write(root, {
    'a.ts': 'export function a() {}\n',
    'sub/b.js': 'function b() {}\n',
    'sub/c.tsx': 'export const C = () => null;\n',
    'types.d.ts': 'export declare function d(): void;\n',
    'node_modules/x/index.js': 'function x() {}\n',
    '.hidden/h.ts': 'function h() {}\n',
    'main.rs': 'fn main() {}\n',
  });
  symlinkSync(join(root, 'a.ts'), join(root, 'link.ts'));
  const out = await run(root, { path: '.' });
  assert.deepEqual(out.files.map((f) => f.path), ['a.ts', 'sub/b.js', 'sub/c.tsx']);
  assert.equal(out.function_count, 3);
  assert.equal(out.truncated, false);
  const bounded = await run(root, { path: '.', max_files: 2 });
  assert.deepEqual([bounded.file_count, bounded.truncated], [2, true]);
  write(root, { 'sub/big.ts': `export const big = ${JSON.stringify('x'.repeat(3000))};\n` });
  const sized = await run(root, { path: 'sub', max_file_bytes: 1000 });
  assert.deepEqual(sized.skipped, [{ path: 'sub/big.ts', reason: 'larger than 1000 bytes' }]);
});

test('extract_functions: other languages, missing and denied paths have their codes', async (t) => {
  const root = await tempDir(t, 'rc-extract-');
  write(root, { 'main.rs': 'fn main() {}\n', 'a.ts': 'function a() {}\n' });
  const error = await rejectsWith(run(root, { path: 'main.rs' }), 'E_EXTRACT_UNSUPPORTED_LANGUAGE');
  assert.ok(Array.isArray(error.details['supported']));
  await rejectsWith(run(root, { path: 'a.ts', language: 'rust' }), 'E_EXTRACT_UNSUPPORTED_LANGUAGE');
  await rejectsWith(run(root, { path: 'nope.ts' }), 'E_FS_NOT_FOUND');
  await rejectsWith(run(root, { path: '/etc/hostname' }), 'E_POLICY_PATH_DENIED');
  assert.equal((await import('@sinclair/typebox/value')).Value.Check((extractFunctions as DefinedPlugin).params, {}), false);
});

test('extract_functions: a syntax error still yields what the parser recovered', async (t) => {
  const root = await tempDir(t, 'rc-extract-');
  write(root, { 'broken.ts': 'export function ok(a: number) { return a; }\nfunction bad( {\n' });
  const out = await run(root, { path: 'broken.ts', infer_types: false });
  assert.ok(out.files[0]!.functions.some((f) => f.name === 'ok'));
});

test('extract_functions: through the engine; refused statically when the path is outside the roots', async (t) => {
  const root = await tempDir(t, 'rc-extract-');
  write(root, { 'a.ts': 'export function a(x: number) { return x; }\n' });
  const ok = await runThroughEngine(extractFunctions, { path: 'a.ts' }, policyFor(root), root);
  assert.equal(ok.result?.status, 'succeeded', JSON.stringify(ok.result?.steps.map((s) => s.error)));
  assert.equal((ok.result?.steps[0]?.outputs as Out | undefined)?.function_count, 1);
  const denied = await runThroughEngine(extractFunctions, { path: '/etc' }, policyFor(root), root);
  assert.deepEqual([denied.result, denied.denied], [null, ['E_POLICY_PATH_DENIED']]);
});
