import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The `--conditions` this process was started with (execArgv or NODE_OPTIONS). */
function customConditions(): string[] {
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  return flags.flatMap((flag) => /^(?:--conditions|-C)=(.+)$/.exec(flag)?.[1] ?? []);
}

/**
 * Bundles a compiled module into one self-contained ESM file: core, the plugins and their
 * dependencies inlined, plus an entry that runs the mission (`runStandalone`: the no-config
 * policy of the working directory, extended by `--allow-*` flags). The generated module and
 * the entry are written to a scratch directory under `resolveFrom`, so bare imports resolve
 * through its node_modules; the directory is removed afterwards.
 */
export async function bundleCompiledModule(code: string, options: { outFile: string; resolveFrom: string }): Promise<void> {
  const scratch = await mkdtemp(join(options.resolveFrom, '.rustchain-bundle-'));
  try {
    await writeFile(join(scratch, 'mission.ts'), code);
    await writeFile(
      join(scratch, 'entry.ts'),
      [
        "import compiled from './mission.ts';",
        "import { fileURLToPath } from 'node:url';",
        "import { runStandalone } from '@rustchain/core';",
        // The bundle hashes its own file for the ledger: the run's compiled artifact.
        'process.exitCode = await runStandalone(compiled, { bundleFile: fileURLToPath(import.meta.url) });',
        '',
      ].join('\n'),
    );
    // tsup (rollup, esbuild) loads only for --bundle, never for a plain compile or plan.
    const { build } = await import('tsup');
    await build({
      entry: { bundle: join(scratch, 'entry.ts') },
      outDir: join(scratch, 'out'),
      format: ['esm'],
      platform: 'node',
      target: 'node20',
      // Inline everything: the artifact must run on a machine without the workspace.
      noExternal: [/.*/],
      splitting: false,
      sourcemap: false,
      dts: false,
      config: false,
      silent: true,
      outExtension: () => ({ js: '.mjs' }),
      // Inline the same core and plugins this process runs: their sources under `--conditions=@rustchain/source`.
      esbuildOptions: (esbuild) => {
        esbuild.conditions = [...customConditions(), ...(esbuild.conditions ?? [])];
      },
      // CommonJS dependencies call require() for node builtins; give the ESM bundle one.
      banner: { js: "import { createRequire as __rustchainRequire } from 'node:module'; const require = __rustchainRequire(import.meta.url);" },
    });
    await copyFile(join(scratch, 'out', 'bundle.mjs'), options.outFile);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
