import { ZipFile } from 'yazl';
import type { SourceEntry } from './collect.ts';

/** The zip bytes of `entries`, built in memory with yazl; `level` 0 stores without deflate. */
export function writeZip(entries: readonly SourceEntry[], level: number | undefined): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    if (entry.type === 'directory') {
      zip.addEmptyDirectory(entry.name, { mtime: entry.mtime, mode: 0o40755 });
    } else {
      const data = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
      zip.addBuffer(data, entry.name, {
        mtime: entry.mtime,
        mode: 0o100644,
        ...(level === undefined ? {} : { compressionLevel: level }),
      });
    }
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}
