import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import fileSearch from '@rustchain/plugin-file-search';
import type { DefinedPlugin } from '../../core/src/plugin/sdk.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { registryOf, runMissionText, runPlugin } from './data-helpers.ts';

const plugin = fileSearch as DefinedPlugin;

interface Match {
  path: string;
  relative: string;
  type: 'file' | 'directory';
  line?: number;
  text?: string;
}
interface Out {
  matches: Match[];
  count: number;
  truncated: boolean;
}

function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A small source tree under `<tmp>/work/proj`, the policy rooted at `<tmp>/work`, and a secret outside it. */
async function fixture(t: { after(fn: () => Promise<void>): void }) {
  const tmp = await tempDir(t, 'rc-search-');
  const work = join(tmp, 'work');
  write(work, {
    'proj/README.md': '# proj\nTODO: write docs\n',
    'proj/src/a.ts': 'const a = 1; // TODO a\nexport { a };\n',
    'proj/src/b.ts': 'export const b = 2;\n',
    'proj/src/deep/c.ts': 'line one\nTODO: c\r\nTODO again\n',
    'proj/src/deep/c.test.ts': 'test\n',
    'proj/.hidden/h.ts': 'TODO hidden\n',
    'proj/bin.dat': 'TODO\u0000binary',
    'proj/.rustchain/state.ts': 'TODO engine internal\n',
  });
  write(tmp, { 'outside/secret.ts': 'TODO SECRET\n' });
  symlinkSync(join(tmp, 'outside'), join(work, 'proj/src/escape'));
  symlinkSync(join(tmp, 'outside/secret.ts'), join(work, 'proj/src/secret-link.ts'));
  const policy = policyFor(work);
  return { tmp, work, policy, ctx: ctxFor(work, policy) };
}

const rel = (out: Out): string[] => out.matches.map((m) => (m.line === undefined ? m.relative : `${m.relative}:${m.line}`));

const GLOBS: Array<[string, Record<string, unknown>, string[]]> = [
  ['a glob without / matches names at any depth', { pattern: '*.ts' }, ['src/a.ts', 'src/b.ts', 'src/deep/c.test.ts', 'src/deep/c.ts']],
  ['a glob with / matches relative paths', { pattern: 'src/*.ts' }, ['src/a.ts', 'src/b.ts']],
  ['** crosses directories', { pattern: 'src/**/c*.ts' }, ['src/deep/c.test.ts', 'src/deep/c.ts']],
  ['dotfiles only when the pattern names them', { pattern: '.hidden/*' }, ['.hidden/h.ts']],
  ['braces', { pattern: '*.{md,dat}' }, ['README.md', 'bin.dat']],
  ['no glob character: names containing it (the original)', { pattern: 'c.t' }, ['src/deep/c.test.ts', 'src/deep/c.ts']],
  ['directories match too without content', { pattern: 'deep' }, ['src/deep']],
  ['max_depth 0: only the directory\'s own entries', { pattern: '*', max_depth: 0 }, ['README.md', 'bin.dat', 'src']],
  ['max_depth 1', { pattern: '*.ts', max_depth: 1 }, ['src/a.ts', 'src/b.ts']],
];

for (const [name, params, expected] of GLOBS) {
  test(`file_search: ${name}`, async (t) => {
    const { work, ctx } = await fixture(t);
    const out = await runPlugin<Out>(plugin, { path: 'proj', ...params }, ctx);
    assert.deepEqual(rel(out), expected);
    assert.equal(out.count, expected.length);
    assert.equal(out.truncated, false);
    for (const m of out.matches) assert.equal(m.path, join(work, 'proj', m.relative));
  });
}

test('file_search: content search returns each matching line; binary files, symlinks and .rustchain are skipped', async (t) => {
  const { ctx } = await fixture(t);
  const out = await runPlugin<Out>(plugin, { path: 'proj', pattern: '**/*', content: 'TODO' }, ctx);
  assert.deepEqual(rel(out), ['README.md:2', 'src/a.ts:1', 'src/deep/c.ts:2', 'src/deep/c.ts:3']);
  assert.deepEqual(out.matches[2], { path: out.matches[2]!.path, relative: 'src/deep/c.ts', type: 'file', line: 2, text: 'TODO: c' });
  assert.ok(!JSON.stringify(out).includes('SECRET'), 'nothing read through a symlink');
  assert.ok(!JSON.stringify(out).includes('engine internal'), '.rustchain is never read');
});

test('file_search: symlinks are neither followed nor reported, even when they point inside the roots', async (t) => {
  const { tmp, ctx } = await fixture(t);
  const policy = policyFor(tmp);
  const wide = await runPlugin<Out>(plugin, { path: join(tmp, 'work/proj'), pattern: '*secret*' }, ctxFor(tmp, policy));
  assert.deepEqual(rel(wide), []);
  const narrow = await runPlugin<Out>(plugin, { path: 'proj', pattern: 'escape' }, ctx);
  assert.deepEqual(rel(narrow), []);
});

test('file_search: max_results truncates; max_file_bytes skips large files', async (t) => {
  const { ctx } = await fixture(t);
  const two = await runPlugin<Out>(plugin, { path: 'proj', pattern: '*.ts', max_results: 2 }, ctx);
  assert.deepEqual(rel(two), ['src/a.ts', 'src/b.ts']);
  assert.equal(two.truncated, true);
  const exact = await runPlugin<Out>(plugin, { path: 'proj', pattern: '*.ts', max_results: 4 }, ctx);
  assert.equal(exact.truncated, false, 'exactly max_results is not truncation');
  const lines = await runPlugin<Out>(plugin, { path: 'proj', pattern: '*.ts', content: 'TODO', max_results: 1 }, ctx);
  assert.deepEqual(rel(lines), ['src/a.ts:1']);
  assert.equal(lines.truncated, true);
  const small = await runPlugin<Out>(plugin, { path: 'proj', pattern: '*.ts', content: 'TODO', max_file_bytes: 30 }, ctx);
  assert.deepEqual(rel(small), ['src/deep/c.ts:2', 'src/deep/c.ts:3'], 'a.ts (37 bytes) is over the cap, c.ts (29) is not');
});

test('file_search: a path outside the read roots is denied (statically and at run time)', async (t) => {
  const { tmp, ctx } = await fixture(t);
  await rejectsWith(plugin.run({ path: join(tmp, 'outside'), pattern: '*' } as never, ctx), 'E_POLICY_PATH_DENIED');
  await rejectsWith(plugin.run({ path: '../outside', pattern: '*' } as never, ctx), 'E_POLICY_PATH_DENIED');
  await rejectsWith(plugin.run({ path: 'proj/src/escape', pattern: '*' } as never, ctx), 'E_POLICY_PATH_DENIED');
  assert.deepEqual(plugin.claims?.({ path: '/etc', pattern: '*' } as never), [{ kind: 'read', path: '/etc', pointer: '/path' }]);
});

test('file_search: a missing path and a file path fail with codes', async (t) => {
  const { ctx } = await fixture(t);
  await rejectsWith(plugin.run({ path: 'nope', pattern: '*' } as never, ctx), 'E_FS_NOT_FOUND');
  await rejectsWith(plugin.run({ path: 'proj/README.md', pattern: '*' } as never, ctx), 'E_FILE_SEARCH_NOT_A_DIRECTORY');
});

test('file_search: the schema requires path and pattern (original names) and checks the limits', () => {
  assert.equal(Value.Check(plugin.params, { path: '.' }), false);
  assert.equal(Value.Check(plugin.params, { pattern: '*' }), false);
  assert.equal(Value.Check(plugin.params, { path: '.', pattern: '' }), false);
  assert.equal(Value.Check(plugin.params, { path: '.', pattern: '*', max_results: 0 }), false);
  assert.equal(Value.Check(plugin.params, { path: '.', pattern: '*', max_depth: -1 }), false);
  assert.equal(Value.Check(plugin.params, { path: '.', pattern: '*', recursive: true }), true);
  assert.equal(plugin.effect, 'read');
  assert.deepEqual(plugin.capabilities, ['fs.read']);
});

test('file_search: an aborted step stops walking', async (t) => {
  const { work, policy } = await fixture(t);
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  await assert.rejects(plugin.run({ path: 'proj', pattern: '*' } as never, ctxFor(work, policy, { signal: controller.signal })), /stop/);
});

test('file_search: 5,000 files in 50 directories are all searched by name and by content', async (t) => {
  const root = await tempDir(t, 'rc-search-big-');
  for (let d = 0; d < 50; d++) {
    mkdirSync(join(root, `d${d}`));
    for (let f = 0; f < 100; f++) writeFileSync(join(root, `d${d}`, `f${f}.txt`), f === 7 ? 'needle here\n' : 'hay\n');
  }
  const ctx = ctxFor(root, policyFor(root));
  const began = performance.now();
  const byName = await runPlugin<Out>(plugin, { path: '.', pattern: 'f7.txt', max_results: 10_000 }, ctx);
  const byContent = await runPlugin<Out>(plugin, { path: '.', pattern: '*.txt', content: 'needle', max_results: 10_000 }, ctx);
  const elapsed = performance.now() - began;
  assert.equal(byName.count, 50);
  assert.equal(byContent.count, 50);
  // Reported, not asserted: wall-clock bounds fail on a loaded machine (bench/ measures speed).
  t.diagnostic(`name + content search over 5,000 files: ${Math.round(elapsed)} ms`);
});

test('file_search: through the real engine, with the static policy check', async (t) => {
  const { work, policy } = await fixture(t);
  const yaml = [
    'version: "1.0"',
    'name: search',
    'steps:',
    '  - id: todos',
    '    name: Find TODOs',
    '    step_type: file_search',
    '    parameters:',
    '      path: proj/src',
    '      pattern: "**/*.ts"',
    '      content: TODO',
  ].join('\n');
  const result = await runMissionText(yaml, registryOf(plugin), policy, work);
  assert.equal(result.status, 'succeeded');
  const out = result.steps[0]?.outputs as unknown as Out;
  assert.deepEqual(rel(out), ['a.ts:1', 'deep/c.ts:2', 'deep/c.ts:3']);
});
