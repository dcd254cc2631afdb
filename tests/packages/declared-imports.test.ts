/**
 * Every bare import in a package's sources is declared in that package's package.json. An
 * undeclared one still resolves inside this repository (npm hoists it), but tsup then bundles it
 * into dist/ — CommonJS inside ESM fails at run time with "Dynamic require of ..." — and an
 * installed package cannot find it. Only the packed-install e2e test would notice, late.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = ['core', 'compiler', 'cli', 'testing', ...readdirSync(join(ROOT, 'plugins')).map((p) => `plugins/${p}`)];
const BUILTINS = new Set(builtinModules);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(m|c)?ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

test('each package declares every package its sources import (dependencies, peer or dev)', () => {
  const problems: string[] = [];
  for (const pkg of PACKAGES) {
    const manifest = JSON.parse(readFileSync(join(ROOT, pkg, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string | undefined>;
    const declared = new Set([manifest['name'] as string, ...['dependencies', 'peerDependencies', 'devDependencies'].flatMap((k) => Object.keys((manifest[k] as Record<string, string> | undefined) ?? {}))]);
    for (const file of sources(join(ROOT, pkg, 'src'))) {
      // The TypeScript pre-processor lexes the file: text inside strings and templates (e.g. the
      // scaffold's generated sources) is not mistaken for an import.
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      for (const { fileName } of importedFiles) {
        if (fileName.startsWith('.') || fileName.startsWith('node:') || BUILTINS.has(fileName)) continue;
        if (!declared.has(packageOf(fileName))) problems.push(`${file.slice(ROOT.length)} imports ${fileName}, not declared in ${pkg}/package.json`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
