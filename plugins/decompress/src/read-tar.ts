import { PluginError } from '@rustchain/core/plugin';
import { Parser, type ReadEntry } from 'tar';
import { check, type Budget, type LinkPolicy, type RawEntry, type SafeEntry } from './entries.ts';

/**
 * tar and tar.gz (tar's Parser detects gzip) read from memory. The archive is fed in small
 * slices and every entry is checked and counted as it arrives, so a gzip bomb stops within
 * one slice's expansion instead of after inflating everything.
 */

/** Compressed bytes fed per write: at most ~1000x that is inflated before the next check. */
const SLICE = 16 * 1024;

const KINDS: Readonly<Record<string, 'file' | 'directory' | 'symlink' | 'hardlink'>> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  GNUDumpDir: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

/** Every entry of a tar/tar.gz archive, checked; throws the first coded refusal. */
export function readTar(archive: Uint8Array, budget: Budget, links: LinkPolicy): Promise<SafeEntry[]> {
  return new Promise((resolve, reject) => {
    const out: SafeEntry[] = [];
    let failure: unknown = null;
    const fail = (error: unknown): void => {
      if (failure === null) failure = error;
    };
    const parser = new Parser({
      strict: true,
      // tar's own ratio cap (1000:1) would refuse legitimate, very compressible data (logs of
      // zeros); the uncompressed-bytes budget is the bound that matters, and it holds.
      maxDecompressionRatio: Number.POSITIVE_INFINITY,
      onwarn: (code: string, message: string | Error) => {
        fail(new PluginError('E_ARCHIVE_CORRUPT', `the tar archive is malformed: ${String(message instanceof Error ? message.message : message)}`, { details: { tarCode: code }, nonRetryable: true }));
      },
    });
    parser.on('error', (error: Error) => fail(new PluginError('E_ARCHIVE_CORRUPT', `the tar archive is malformed: ${error.message}`, { nonRetryable: true })));
    parser.on('entry', (entry: ReadEntry) => {
      if (failure !== null) {
        entry.resume();
        return;
      }
      try {
        budget.entry(entry.path);
        const kind: RawEntry['kind'] = KINDS[entry.type] ?? 'other';
        const base: RawEntry = { name: entry.path, kind, typeName: entry.type, ...(entry.linkpath === undefined ? {} : { linkTarget: entry.linkpath }) };
        if (kind !== 'file') {
          const safe = check(base, links);
          if (safe !== null) out.push(safe);
          entry.resume();
          return;
        }
        // Check the name before reading the data: a refused entry costs nothing.
        check({ ...base, data: Buffer.alloc(0) }, links);
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => {
          if (failure !== null) return;
          try {
            budget.take(chunk.length, entry.path);
            chunks.push(chunk);
          } catch (error) {
            fail(error);
          }
        });
        entry.on('end', () => {
          if (failure !== null) return;
          const safe = check({ ...base, data: Buffer.concat(chunks) }, links);
          if (safe !== null) out.push(safe);
        });
      } catch (error) {
        fail(error);
        entry.resume();
      }
    });
    let sawEnd = false;
    parser.on('end', () => {
      sawEnd = true;
    });
    try {
      for (let off = 0; off < archive.byteLength && failure === null; off += SLICE) {
        parser.write(Buffer.from(archive.buffer, archive.byteOffset + off, Math.min(SLICE, archive.byteLength - off)));
      }
      if (failure === null) parser.end();
    } catch (error) {
      fail(error);
    }
    const settle = (): void => {
      if (failure !== null) reject(failure);
      else resolve(out);
    };
    if (failure !== null || sawEnd) settle();
    else {
      parser.on('end', settle);
      parser.on('close', settle);
    }
  });
}
