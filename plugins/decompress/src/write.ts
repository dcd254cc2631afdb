import { PluginError, type StepContext } from '@rustchain/core/plugin';
import type { SafeEntry } from './entries.ts';

/**
 * Writes checked entries under the extraction directory through ctx.fs (each path policy-
 * checked again on its realpath, opened without following a final link). Each target must
 * resolve inside the directory, so a link already present there cannot redirect a write.
 * On any failure what this extraction created is removed again.
 */

/** What was written. */
export interface Written {
  files: number;
  directories: number;
  bytes: number;
}

/** Writes `entries` under `root` (absolute, resolved); undoes its own writes on failure. */
export async function writeEntries(ctx: StepContext, root: string, entries: readonly SafeEntry[], rootCreated: boolean): Promise<Written> {
  const created: string[] = [];
  const written: Written = { files: 0, directories: 0, bytes: 0 };
  try {
    for (const entry of entries) {
      const target = `${root}/${entry.path}`;
      const resolved = await ctx.fs.resolve(target, 'write');
      if (resolved !== target && !resolved.startsWith(`${root}/`)) {
        throw new PluginError('E_ARCHIVE_ENTRY_ESCAPE', `archive entry \`${entry.path}\` resolves outside the extraction directory (${resolved})`, {
          details: { entry: entry.path, resolved, reason: 'existing link in the destination' },
          nonRetryable: true,
        });
      }
      const existed = (await ctx.fs.stat(target)) !== null;
      if (entry.kind === 'directory') {
        await ctx.fs.mkdir(target);
        written.directories++;
      } else {
        await ctx.fs.writeBytes(target, entry.data, { createParents: true });
        written.files++;
        written.bytes += entry.data.byteLength;
      }
      if (!existed) created.push(target);
    }
  } catch (error) {
    await undo(ctx, root, created, rootCreated);
    throw error;
  }
  return written;
}

async function undo(ctx: StepContext, root: string, created: readonly string[], rootCreated: boolean): Promise<void> {
  try {
    if (rootCreated) {
      await ctx.fs.remove(root, { recursive: true });
      return;
    }
    // Deepest first, so a directory is empty (of our files) when its turn comes.
    for (const path of [...created].reverse()) await ctx.fs.remove(path, { recursive: true });
  } catch (error) {
    ctx.log.warn('could not remove a partial extraction', { root, error: String(error) });
  }
}
