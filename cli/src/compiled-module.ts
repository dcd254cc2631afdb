import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompiledMission, ResolvedPackage } from '@rustchain/core';
import type { Plugin } from 'esbuild';

/** A compiled module as loaded: its default export and the SHA-256 of the bytes that ran. */
export interface LoadedModule {
  compiled: CompiledMission;
  /** Hex SHA-256 of the file's bytes, exactly the bytes that were transpiled and imported. */
  digest: string;
  /** The packages its imports resolved to (plugins and core), for the drift check. */
  packages: ResolvedPackage[];
}

/** `@scope/name/sub/path` → `['@scope/name', './sub/path']`. */
function splitSpecifier(specifier: string): [string, string] {
  const parts = specifier.split('/');
  const length = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(length).join('/');
  return [parts.slice(0, length).join('/'), rest === '' ? '.' : `./${rest}`];
}

/**
 * Resolves every bare import from the module's own directory, else from `fallbackDir` (the
 * CLI's installation), to an absolute file URL left external: the module then runs from any
 * directory, in a CommonJS package or none. Relative imports are refused, so that what runs is
 * only the bytes that were hashed.
 */
function resolver(moduleDir: string, fallbackDir: string, core: typeof import('@rustchain/core'), seen: ResolvedPackage[]): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'rustchain-compiled-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const specifier = args.path;
        if (specifier.startsWith('node:') || builtins.has(specifier)) return { path: specifier, external: true };
        if (specifier.startsWith('.') || specifier.startsWith('/')) {
          return { errors: [{ text: `a compiled module imports only packages; \`${specifier}\` is a file` }] };
        }
        const [name, subpath] = splitSpecifier(specifier);
        for (const dir of [moduleDir, fallbackDir]) {
          try {
            const resolved = core.resolvePackage(name, dir, subpath);
            seen.push(resolved);
            return { path: pathToFileURL(resolved.entry).href, external: true };
          } catch {
            // try the next place
          }
        }
        return { errors: [{ text: `package \`${name}\` is not installed next to the module nor with the rustchain CLI (npm install ${name})` }] };
      });
    },
  };
}

/**
 * Reads a compiled mission module once, hashes those bytes, hands the digest to `verify` (the
 * signature check: it throws to refuse, and nothing of the module has run then), transpiles
 * exactly those bytes (TypeScript or JavaScript) with bare imports bound to installed
 * packages, and imports the result. A load failure is an E_COMPILED_IMPORT diagnostic at the
 * module (exit 2), never an internal error.
 */
export async function importCompiledModule(
  moduleFile: string,
  fallbackDir: string,
  verify: (digest: string) => void | Promise<void> = () => undefined,
): Promise<LoadedModule> {
  const core = await import('@rustchain/core');
  const fail = (message: string, line = 1, column = 1): never => {
    throw new core.DiagnosticsError([{ code: 'E_COMPILED_IMPORT', severity: 'error', message, file: moduleFile, line, column }]);
  };
  let bytes: Buffer;
  try {
    bytes = await readFile(moduleFile);
  } catch (error) {
    return fail(`cannot read the module: ${(error as Error).message}`);
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  await verify(digest);
  const { build } = await import('esbuild');
  let code: string;
  const packages: ResolvedPackage[] = [];
  try {
    const result = await build({
      stdin: { contents: bytes.toString('utf8'), loader: /\.[cm]?ts$/.test(moduleFile) ? 'ts' : 'js', resolveDir: dirname(moduleFile), sourcefile: moduleFile },
      bundle: true, write: false, format: 'esm', platform: 'node', target: 'node20', sourcemap: 'inline', logLevel: 'silent',
      plugins: [resolver(dirname(moduleFile), fallbackDir, core, packages)],
    });
    code = result.outputFiles[0]?.text ?? '';
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors?.[0];
    return fail(first?.text ?? String(error), first?.location?.line ?? 1, (first?.location?.column ?? 0) + 1);
  }
  let imported: { default?: unknown };
  try {
    imported = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default?: unknown };
  } catch (error) {
    return fail(`the module failed to load: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  if (!core.isCompiledMission(imported.default)) return fail('not a compiled mission module (no defineCompiledMission default export)');
  return { compiled: imported.default, digest, packages };
}
