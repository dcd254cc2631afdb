import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';

/** Directories that are not part of a package's own code. */
const SKIP = new Set(['node_modules', '.git', '.rustchain']);

/** Every regular file of a package (its own tree, not its dependencies), sorted, with its stat. */
function packageFiles(packageDir: string): { path: string; size: number; mtimeMs: number }[] {
  const files: { path: string; size: number; mtimeMs: number }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const stat = statSync(path);
        files.push({ path: relative(packageDir, path).split(sep).join('/'), size: stat.size, mtimeMs: stat.mtimeMs });
      }
    }
  };
  walk(packageDir);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Where computed digests are kept between invocations, keyed by package dir. */
function cacheFile(): string {
  const base = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return join(base, 'rustchain', 'integrity.json');
}

type Cache = Record<string, { signature: string; integrity: string }>;
const memory = new Map<string, { signature: string; integrity: string }>();
let disk: Cache | null = null;

function readCache(): Cache {
  if (disk !== null) return disk;
  try {
    disk = JSON.parse(readFileSync(cacheFile(), 'utf8')) as Cache;
  } catch {
    disk = {};
  }
  return disk;
}

function writeCache(cache: Cache): void {
  try {
    const file = cacheFile();
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(`${file}.${process.pid}`, JSON.stringify(cache));
    renameSync(`${file}.${process.pid}`, file);
  } catch {
    // a cache that cannot be written only costs a recomputation next time
  }
}

/**
 * The integrity of an installed package: SHA-256 over each of its files (path and content
 * digest, sorted; its node_modules excluded), as `sha256-<base64>`. Editing any file of a
 * plugin — installed from a tarball, a registry or linked locally — changes it, which is
 * drift for a compiled module. Computed once per install: the digest is cached (in memory and
 * under the user cache dir) against the files' sizes and mtimes, and recomputed when they change.
 */
export function packageIntegrity(packageDir: string): string {
  const files = packageFiles(packageDir);
  const signature = createHash('sha256').update(files.map((f) => `${f.path}\0${f.size}\0${f.mtimeMs}`).join('\n')).digest('base64');
  const cached = memory.get(packageDir) ?? readCache()[packageDir];
  if (cached !== undefined && cached.signature === signature) return cached.integrity;
  const digest = createHash('sha256');
  for (const file of files) {
    const content = createHash('sha256').update(readFileSync(join(packageDir, file.path))).digest('hex');
    digest.update(`${file.path}\0${content}\n`);
  }
  const entry = { signature, integrity: `sha256-${digest.digest('base64')}` };
  memory.set(packageDir, entry);
  const cache = readCache();
  cache[packageDir] = entry;
  writeCache(cache);
  return entry.integrity;
}
