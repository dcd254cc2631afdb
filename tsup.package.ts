/**
 * The one build of every workspace package (`npm run build` in a package, or at the root for
 * all): ESM `.js` + `.d.ts` + source maps in `dist/`, one entry per `exports` subpath. Run
 * from the package's directory (`tsup --config ../tsup.package.ts`), so paths are the cwd's.
 */
import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

interface PackageJson {
  exports?: Record<string, string | Record<string, string>>;
  bin?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;

/** `./src/plugin/index.ts` → entry name `plugin/index`, so dist mirrors the exports map. */
const entry: Record<string, string> = {};
for (const target of Object.values(pkg.exports ?? {})) {
  const source = typeof target === 'object' ? target['@rustchain/source'] : undefined;
  if (source === undefined) continue;
  entry[source.replace(/^\.\/src\//, '').replace(/\.ts$/, '')] = source;
}
const build = (pkg as { rustchainBuild?: { entries?: Record<string, string>; inline?: string[] } }).rustchainBuild;
/** Extra entries a package imports lazily by path (the CLI's main and its command bodies). */
const extra = build?.entries ?? {};
/**
 * Dependencies bundled into the package's chunks instead of imported at run time: typebox's ESM
 * build is ~250 files, which cost every CLI start more than core itself (only core imports it;
 * declarations still import it from the package); clipanion (with typanion) loaded as ~20
 * CommonJS files took ~25 ms of every CLI start, ~13 ms bundled.
 */
const inline = (build?.inline ?? []).map((name) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?:/|$)`));

/**
 * An inlined CommonJS dependency (clipanion) calls require() for Node's built-ins; in an ESM
 * chunk esbuild's shim finds no `require` and throws. Chunks of a package that inlines get one.
 */
const requireShim = "import { createRequire as __rustchainCreateRequire } from 'node:module'; const require = __rustchainCreateRequire(import.meta.url);";

export default defineConfig({
  entry: { ...entry, ...extra },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: { entry, compilerOptions: { allowImportingTsExtensions: true, customConditions: ['@rustchain/source'] } },
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: false,
  // Other @rustchain packages are installed beside this one, never inlined (one copy of core).
  external: [/^@rustchain\//],
  noExternal: inline,
  ...(inline.length > 0 ? { banner: { js: requireShim } } : {}),
  outDir: 'dist',
});
