import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo's core package entry, so fake plugins import the same SDK the engine uses. */
const CORE_ENTRY = fileURLToPath(new URL('../../../core/src/index.ts', import.meta.url));

/** A temp project dir (realpath'd) with a package.json root marker; remove it when done. */
export async function tempProject(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-registry-')));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', private: true, type: 'module' }));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes files (path → text) under `dir`, creating folders. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** A node_modules package `name` whose default export is `body` (a JS expression using definePlugin). */
export function fakePlugin(name: string, body: string, version = '1.2.3'): Record<string, string> {
  return {
    [`node_modules/${name}/package.json`]: JSON.stringify({ name, version, type: 'module', exports: { '.': './index.js', './package.json': './package.json' } }),
    [`node_modules/${name}/index.js`]: `import { definePlugin } from ${JSON.stringify(CORE_ENTRY)};\nexport default ${body};\n`,
  };
}

/** A definePlugin(...) expression for step type `type`. */
export function pluginOf(type: string): string {
  return `definePlugin({ type: ${JSON.stringify(type)}, description: 'test', params: { type: 'object' }, outputs: { type: 'object' }, capabilities: [], effect: 'pure', run: async () => ({}) })`;
}

/** How a lazyPlugin fixture behaves. */
interface LazyOptions {
  /** Write the `"rustchain": { "stepType" }` manifest (default true). */
  manifest?: boolean;
  /** The module throws when imported. */
  throws?: boolean;
  /** The definition's `type`, when it should differ from the manifest's. */
  definesType?: string;
  /** Manifest `listsSteps`; its run returns `{ listed: ctx.steps.list() types }`. */
  listsSteps?: boolean;
  /** Its claims name a child step of this type (kind 'step'). */
  claimsStep?: string;
  /** Its run runs one child step of this type through ctx.steps.run. */
  runsChild?: string;
}

/**
 * A node_modules package `name` for step type `type` whose module, when imported, appends
 * `name` to `<dir>/imported.txt` (a top-level side effect: the file lists what was imported).
 */
export function lazyPlugin(dir: string, name: string, type: string, options: LazyOptions = {}): Record<string, string> {
  const manifest = options.manifest === false ? {} : { rustchain: { stepType: type, ...(options.listsSteps ? { listsSteps: true } : {}) } };
  const claims = options.claimsStep === undefined ? '' : `claims: () => [{ kind: 'step', type: ${JSON.stringify(options.claimsStep)}, params: {}, pointer: '' }],`;
  const run = options.listsSteps
    ? 'async (params, ctx) => ({ listed: ctx.steps.list().map((info) => info.type) })'
    : options.runsChild !== undefined
      ? `async (params, ctx) => ctx.steps.run({ id: 'child', type: ${JSON.stringify(options.runsChild)}, params: {} })`
      : 'async () => ({})';
  return {
    [`node_modules/${name}/package.json`]: JSON.stringify({ name, version: '1.0.0', type: 'module', ...manifest, exports: { '.': './index.js', './package.json': './package.json' } }),
    [`node_modules/${name}/index.js`]: [
      `import { appendFileSync } from 'node:fs';`,
      `import { definePlugin, Type } from ${JSON.stringify(CORE_ENTRY)};`,
      `appendFileSync(${JSON.stringify(join(dir, 'imported.txt'))}, ${JSON.stringify(`${name}\n`)});`,
      options.throws ? `throw new Error('${name} must not be imported');` : '',
      `export default definePlugin({ type: ${JSON.stringify(options.definesType ?? type)}, description: 'test', params: Type.Object({}, { additionalProperties: true }), outputs: Type.Object({}, { additionalProperties: true }), capabilities: [], effect: 'pure', ${claims} run: ${run} });`,
    ].join('\n'),
  };
}
