import { PluginError, type StepContext } from '@rustchain/core/plugin';

/** A file or directory to archive, read through ctx.fs. */
export interface SourceEntry {
  /** Archive path: POSIX, relative, directories end without a slash. */
  name: string;
  type: 'file' | 'directory';
  data: Uint8Array;
  mtime: Date;
}

/** Bounds on what one archive may hold. */
export interface Limits {
  maxBytes: number;
  maxEntries: number;
}

/** Last segment of a resolved absolute path. */
function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || 'root';
}

/**
 * Walks `source` (a file, or a directory stored under its own name) through ctx.fs only, so
 * every read is policy-checked and opened without following links. Symlinks and special files
 * are not followed nor stored: they are listed in `skipped`. `exclude` (the archive being
 * written, when it lies inside the source) is left out.
 */
export async function collect(ctx: StepContext, source: string, exclude: string, limits: Limits): Promise<{ entries: SourceEntry[]; skipped: string[] }> {
  const root = await ctx.fs.resolve(source, 'read');
  const top = await ctx.fs.stat(root);
  if (top === null) throw new PluginError('E_FS_NOT_FOUND', `\`${source}\` does not exist`, { details: { path: source } });
  const entries: SourceEntry[] = [];
  const skipped: string[] = [];
  let total = 0;
  const add = (entry: SourceEntry): void => {
    total += entry.data.byteLength;
    if (entries.length + 1 > limits.maxEntries || total > limits.maxBytes) {
      throw new PluginError('E_ARCHIVE_TOO_LARGE', `\`${source}\` holds more than ${limits.maxEntries} entries or ${limits.maxBytes} bytes`, {
        details: { source, maxEntries: limits.maxEntries, maxBytes: limits.maxBytes },
        nonRetryable: true,
      });
    }
    entries.push(entry);
  };
  const readFile = async (real: string, name: string, mtimeMs: number): Promise<void> => {
    const remaining = Math.max(0, limits.maxBytes - total);
    let data: Uint8Array;
    try {
      data = await ctx.fs.readBytes(real, { maxBytes: remaining });
    } catch (error) {
      if ((error as { code?: string }).code === 'E_OUTPUT_TOO_LARGE') {
        throw new PluginError('E_ARCHIVE_TOO_LARGE', `\`${source}\` holds more than ${limits.maxBytes} bytes`, { details: { source, maxBytes: limits.maxBytes }, nonRetryable: true });
      }
      throw error;
    }
    add({ name, type: 'file', data, mtime: new Date(mtimeMs) });
  };

  if (top.type === 'file') {
    await readFile(root, baseName(root), top.mtimeMs);
    return { entries, skipped };
  }
  if (top.type !== 'directory') throw new PluginError('E_FS_NOT_REGULAR_FILE', `\`${source}\` is a ${top.type}`, { details: { path: source } });
  const walk = async (dirReal: string, dirName: string, mtimeMs: number): Promise<void> => {
    add({ name: dirName, type: 'directory', data: new Uint8Array(0), mtime: new Date(mtimeMs) });
    for (const child of await ctx.fs.list(dirReal)) {
      const real = `${dirReal}/${child.name}`;
      const name = `${dirName}/${child.name}`;
      if (real === exclude) continue;
      if (child.type === 'directory') {
        const stat = await ctx.fs.stat(real);
        await walk(real, name, stat?.mtimeMs ?? Date.now());
      } else if (child.type === 'file') {
        const stat = await ctx.fs.stat(real);
        await readFile(real, name, stat?.mtimeMs ?? Date.now());
      } else {
        skipped.push(name);
      }
    }
  };
  await walk(root, baseName(root), top.mtimeMs);
  return { entries, skipped };
}
