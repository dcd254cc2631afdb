import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RustchainError } from '../errors.ts';
import type { DataCapability } from '../plugin/sdk.ts';

/**
 * ctx.data: a plugin's persistent files (a vector store, a cache) under `<stateDir>/data/`.
 * Plugins may not open files themselves and the state dir is a governing path no step can
 * write through ctx.fs or a command, so this is the one door to it: a single plain name, never
 * a path, and nothing there may be a symlink (a file opened by a native library, SQLite,
 * would follow it anywhere).
 */

/** One path segment: letters, digits, dot, dash, underscore; not starting with a dot. */
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** The ctx.data of a run whose state dir is `stateDir` (undefined: a library call without one). */
export function createDataCapability(stateDir: string | undefined): DataCapability {
  return {
    async path(name: string): Promise<string> {
      if (typeof name !== 'string' || !NAME.test(name)) {
        throw new RustchainError('E_DATA_NAME_INVALID', `ctx.data name ${JSON.stringify(name)} is not one plain file name ([A-Za-z0-9._-], not starting with a dot)`, {
          details: { name },
          nonRetryable: true,
        });
      }
      if (stateDir === undefined) {
        throw new RustchainError('E_DATA_UNAVAILABLE', 'this step keeps data in the state directory, but the run has none: run it through the CLI, or pass stateDir to executeMission', {
          details: { name },
          nonRetryable: true,
        });
      }
      const dir = join(stateDir, 'data');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await refuseSymlink(dir);
      const path = join(dir, name);
      await refuseSymlink(path);
      return path;
    },
  };
}

/** E_FS_SYMLINK_REFUSED when `path` is a symlink; a missing path is fine. */
async function refuseSymlink(path: string): Promise<void> {
  const stat = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (stat?.isSymbolicLink()) {
    throw new RustchainError('E_FS_SYMLINK_REFUSED', `\`${path}\` in the state directory is a symlink: refused`, { details: { path }, nonRetryable: true });
  }
}
