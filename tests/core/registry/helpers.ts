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
