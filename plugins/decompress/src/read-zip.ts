import { PluginError } from '@rustchain/core/plugin';
import { fromBuffer, getFileNameLowLevel, type Entry, type ZipFile } from 'yauzl';
import { Budget, check, tooLarge, type LinkPolicy, type RawEntry, type SafeEntry } from './entries.ts';

/**
 * zip read from memory with yauzl. Names are decoded here (decodeStrings: false) so a
 * climbing name is reported as E_ARCHIVE_ENTRY_ESCAPE rather than a generic parse error.
 * Declared sizes are checked against the budget before any inflating, and yauzl verifies
 * that the inflated size matches the declared one (validateEntrySizes).
 */

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
/** `versionMadeBy` high byte of archives written on Unix (mode bits in the external attributes). */
const MADE_BY_UNIX = 3;

function kindOf(entry: Entry, name: string): { kind: RawEntry['kind']; typeName: string } {
  const mode = entry.versionMadeBy >> 8 === MADE_BY_UNIX ? (entry.externalFileAttributes >>> 16) & S_IFMT : 0;
  if (mode === S_IFLNK) return { kind: 'symlink', typeName: 'SymbolicLink' };
  if (mode === S_IFDIR || name.endsWith('/')) return { kind: 'directory', typeName: 'Directory' };
  if (mode === 0 || mode === S_IFREG) return { kind: 'file', typeName: 'File' };
  return { kind: 'other', typeName: `special file (mode ${mode.toString(8)})` };
}

function corrupt(error: unknown): PluginError {
  return new PluginError('E_ARCHIVE_CORRUPT', `the zip archive is malformed: ${error instanceof Error ? error.message : String(error)}`, { nonRetryable: true, cause: error });
}

function readAll(zip: ZipFile, entry: Entry, budget: Budget, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error) {
        reject(corrupt(error));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        try {
          budget.take(chunk.length, name);
          chunks.push(chunk);
        } catch (refusal) {
          stream.destroy();
          reject(refusal);
        }
      });
      stream.on('error', (e) => reject(corrupt(e)));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Every entry of a zip archive, checked; throws the first coded refusal. */
export async function readZip(archive: Uint8Array, budget: Budget, links: LinkPolicy, maxBytes: number): Promise<SafeEntry[]> {
  const buffer = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const zip = await new Promise<ZipFile>((resolve, reject) => {
    fromBuffer(buffer, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (error, z) => (error ? reject(corrupt(error)) : resolve(z)));
  });
  const out: SafeEntry[] = [];
  let declared = 0;
  try {
    for (;;) {
      const entry = await new Promise<Entry | null>((resolve, reject) => {
        zip.once('entry', resolve);
        zip.once('end', () => resolve(null));
        zip.once('error', (e) => reject(corrupt(e)));
        zip.readEntry();
      });
      zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
      if (entry === null) break;
      const name = getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      budget.entry(name);
      // A bomb announces itself in the central directory: refuse before inflating anything.
      declared += entry.uncompressedSize;
      if (declared > maxBytes) throw tooLarge('bytes', maxBytes, name);
      const { kind, typeName } = kindOf(entry, name);
      const base: RawEntry = { name, kind, typeName };
      if (kind === 'file') {
        check(base, links);
        base.data = await readAll(zip, entry, budget, name);
      } else if (kind === 'symlink') {
        // The link target is the entry's content; it is checked, never created.
        const target = await readAll(zip, entry, new Budget({ maxBytes: 4096, maxEntries: 1 }), name);
        base.linkTarget = target.toString('utf8');
      }
      const safe = check(base, links);
      if (safe !== null) out.push(safe);
    }
  } finally {
    zip.removeAllListeners('error').on('error', () => {});
    zip.close();
  }
  return out;
}
