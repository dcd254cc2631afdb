import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Newest modification time of any file under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/** Every workspace package directory (the root package.json's workspaces, `x/*` expanded). */
function packageDirs(): string[] {
  const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return workspaces
    .flatMap((pattern) => (pattern.endsWith('/*') ? readdirSync(join(ROOT, pattern.slice(0, -2))).map((name) => join(ROOT, pattern.slice(0, -2), name)) : [join(ROOT, pattern)]))
    .filter((dir) => existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src')));
}

/**
 * The CLI workloads run the built bin, as an installed `rustchain` does (no TypeScript loader
 * at start-up): rebuild, before measuring, every package whose sources are newer than its
 * dist/, so a figure is never taken on stale code. Returns the packages rebuilt.
 */
export function ensureBuilt(log: (message: string) => void): string[] {
  const stale = packageDirs().filter((dir) => newest(join(dir, 'src')) > newest(join(dir, 'dist')));
  if (stale.length === 0) return [];
  log(`building ${stale.length} package(s) whose dist/ is older than src/`);
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), ...stale], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) throw new Error(`build failed (exit ${built.status}): the CLI workloads need the built packages`);
  return stale.map((dir) => dir.slice(ROOT.length));
}
