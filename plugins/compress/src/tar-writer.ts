import { Header, Pax } from 'tar';
import type { SourceEntry } from './collect.ts';

/**
 * A ustar archive built in memory from entries already read through ctx.fs, with tar's own
 * Header/Pax encoders (long names and large values get a PAX extended header, as tar does).
 */

const BLOCK = 512;

function pad(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The tar bytes of `entries` (no compression). */
export function writeTar(entries: readonly SourceEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    const path = entry.type === 'directory' ? `${entry.name}/` : entry.name;
    const fields = {
      path,
      mode: entry.type === 'directory' ? 0o755 : 0o644,
      size: entry.type === 'directory' ? 0 : data.length,
      mtime: entry.mtime,
      type: entry.type === 'directory' ? ('Directory' as const) : ('File' as const),
      uid: 0,
      gid: 0,
    };
    const header = new Header(fields);
    if (header.encode()) parts.push(new Pax({ ...fields, atime: entry.mtime, ctime: entry.mtime }).encode());
    parts.push(header.block as Buffer);
    if (entry.type === 'file') parts.push(data, pad(data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
