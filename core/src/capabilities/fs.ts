import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, rename, rm, statfs, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isRustchainError } from '../errors.ts';
import type { DirEntry, FsCapability } from '../plugin/sdk.ts';
import { checkDetach, checkPath, isReservedForWrite } from '../policy/fs-rules.ts';
import { reservedPathDenied } from '../policy/denials.ts';
import type { Policy } from '../policy/types.ts';
import { fsError, kindOf, notRegular, tooLarge } from './fs-errors.ts';

/**
 * `ctx.fs`: every operation first resolves its path physically and checks it against the
 * policy (fs-rules), then acts on the RESOLVED path, opening the final component with
 * O_NOFOLLOW so a symlink swapped in after the check is refused (TOCTOU, catalogue 19).
 */

/** Default cap for reads: 10 MiB. */
export const DEFAULT_MAX_READ_BYTES = 10 * 1024 * 1024;

// O_NONBLOCK: opening a FIFO must not wait for a writer (or reader) that never comes.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function typeOf(stat: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): DirEntry['type'] {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symlink';
  return 'other';
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Test seam: runs between the policy check and the open, to swap a file for a symlink (TOCTOU tests). */
export interface FsTestHooks {
  beforeOpen?(resolved: string): void | Promise<void>;
}

/** Builds the fs capability for one step. */
export function createFsCapability(policy: Policy, workDir: string, hooks: FsTestHooks = {}): FsCapability {
  const guard = (path: string, access: 'read' | 'write', followFinal = true): string => {
    const decision = checkPath(policy, path, access, workDir, { followFinal });
    if ('error' in decision) throw decision.error;
    return decision.resolved;
  };
  /** For what is moved away or deleted: also refused when it is or holds a governing path. */
  const detachable = (path: string, followFinal = false): string => {
    const real = guard(path, 'write', followFinal);
    const held = checkDetach(policy, path, real);
    if (held) throw held;
    return real;
  };

  /** Runs `fn`, mapping Node fs errors to codes (RustchainErrors pass through). */
  const mapped = async <T>(path: string, real: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (isRustchainError(error)) throw error;
      throw fsError(error, path, real);
    }
  };

  const readAll = async (path: string, real: string, maxBytes: number): Promise<Buffer> =>
    mapped(path, real, async () => {
      await hooks.beforeOpen?.(real);
      const handle = await open(real, READ_FLAGS);
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw notRegular(path, real, kindOf(stat));
        if (stat.size > maxBytes) throw tooLarge(path, real, maxBytes);
        // Read to EOF rather than trusting st_size (it can grow, or be 0 for synthetic files).
        const chunks: Buffer[] = [];
        let total = 0;
        for (;;) {
          const buffer = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total) || 1);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          total += bytesRead;
          if (total > maxBytes) throw tooLarge(path, real, maxBytes);
          chunks.push(buffer.subarray(0, bytesRead));
        }
        return Buffer.concat(chunks, total);
      } finally {
        await handle.close();
      }
    });

  const makeParents = async (path: string, real: string): Promise<void> => {
    await mapped(path, real, () => mkdir(dirname(real), { recursive: true }));
  };

  /** One write path for text and bytes: guard, O_NOFOLLOW open, regular-file check, truncate or append. */
  const writeData = async (path: string, data: Uint8Array, options: { append?: boolean; createParents?: boolean }): Promise<{ path: string; bytes: number }> => {
    const real = guard(path, 'write');
    if (options.createParents) await makeParents(path, real);
    await mapped(path, real, async () => {
      await hooks.beforeOpen?.(real);
      const handle = await open(real, WRITE_FLAGS | (options.append ? constants.O_APPEND : constants.O_TRUNC), 0o666);
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw notRegular(path, real, kindOf(stat));
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
    });
    return { path: real, bytes: data.byteLength };
  };

  return {
    async resolve(path, access) {
      return guard(path, access);
    },

    async readText(path, options = {}) {
      const real = guard(path, 'read');
      return (await readAll(path, real, options.maxBytes ?? DEFAULT_MAX_READ_BYTES)).toString('utf8');
    },

    async readBytes(path, options = {}) {
      const real = guard(path, 'read');
      return new Uint8Array(await readAll(path, real, options.maxBytes ?? DEFAULT_MAX_READ_BYTES));
    },

    async writeText(path, content, options = {}) {
      return writeData(path, Buffer.from(content, 'utf8'), options);
    },

    async writeBytes(path, data, options = {}) {
      return writeData(path, data, options);
    },

    async mkdir(path) {
      const real = guard(path, 'write');
      return mapped(path, real, async () => {
        const first = await mkdir(real, { recursive: true });
        const stat = await lstat(real);
        if (!stat.isDirectory()) throw notRegular(path, real, kindOf(stat));
        return { path: real, created: first !== undefined };
      });
    },

    async statfs(path) {
      const real = guard(path, 'read');
      return mapped(path, real, async () => {
        const s = await statfs(real);
        return { total: s.blocks * s.bsize, free: s.bfree * s.bsize, available: s.bavail * s.bsize };
      });
    },

    async remove(path, options = {}) {
      // Not following the final link: deleting a link removes the link, not its target.
      const real = detachable(path);
      return mapped(path, real, async () => {
        let stat;
        try {
          stat = await lstat(real);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
          throw error;
        }
        if (stat.isDirectory()) {
          if (!options.recursive) throw notRegular(path, real, 'directory');
          const inner = await readdir(real, { recursive: true });
          const reserved = inner.flatMap((p) => p.split('/')).find(isReservedForWrite);
          if (reserved !== undefined) throw reservedPathDenied(path, real, 'write', reserved);
        }
        await rm(real, { recursive: options.recursive ?? false, force: false });
        return true;
      });
    },

    async copy(source, destination, options = {}) {
      const from = guard(source, 'read');
      const to = guard(destination, 'write');
      const stat = await mapped(source, from, () => lstat(from));
      if (!stat.isFile()) throw notRegular(source, from, kindOf(stat));
      await makeParents(destination, to);
      await mapped(destination, to, () => copyFile(from, to, options.overwrite ? 0 : constants.COPYFILE_EXCL));
      return { path: to, bytes: stat.size };
    },

    async move(source, destination, options = {}) {
      const from = detachable(source);
      // An existing directory at the destination would be replaced: the same rule applies.
      const to = detachable(destination, true);
      const stat = await mapped(source, from, () => lstat(from));
      if (!options.overwrite && (await exists(to))) throw fsError(Object.assign(new Error('exists'), { code: 'EEXIST' }), destination, to);
      await makeParents(destination, to);
      await mapped(destination, to, async () => {
        try {
          await rename(from, to);
        } catch (error) {
          // Across filesystems rename fails; a regular file can still be copied then removed.
          if ((error as NodeJS.ErrnoException).code !== 'EXDEV' || !stat.isFile()) throw error;
          await copyFile(from, to);
          await unlink(from);
        }
      });
      return { path: to };
    },

    async list(path) {
      const real = guard(path, 'read');
      return mapped(path, real, async () => {
        const names = (await readdir(real)).sort();
        return Promise.all(
          names.map(async (name): Promise<DirEntry> => {
            const stat = await lstat(join(real, name));
            return { name, type: typeOf(stat), size: stat.size };
          }),
        );
      });
    },

    async stat(path) {
      const real = guard(path, 'read');
      return mapped(path, real, async () => {
        try {
          const stat = await lstat(real);
          return { type: typeOf(stat), size: stat.size, mtimeMs: stat.mtimeMs };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
          throw error;
        }
      });
    },
  };
}
