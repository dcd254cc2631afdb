/** Reading a JSON-lines file in bounded memory: complete lines in chunks, and the torn rest. */
import { promises as fs } from 'node:fs';

const CHUNK = 1 << 18;

/** What `readLineChunks` yields: complete lines (without '\n'), or at the end the bytes after the last '\n'. */
export type LineChunk = { lines: string[]; bytes: number } | { torn: Buffer };

/**
 * The complete lines of the first `end` bytes of `path` (all of it when undefined), a chunk of
 * lines at a time; a last record without its '\n' comes last as `torn`. Memory: one chunk
 * plus the longest line.
 */
export async function* readLineChunks(path: string, end?: number): AsyncGenerator<LineChunk> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const limit = end ?? (await handle.stat()).size;
    let position = 0;
    let carry: Buffer = Buffer.alloc(0);
    const buffer = Buffer.alloc(CHUNK);
    while (position < limit) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, limit - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = carry.length === 0 ? buffer.subarray(0, bytesRead) : Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
      const lines: string[] = [];
      let start = 0;
      for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
        lines.push(data.toString('utf8', start, nl));
        start = nl + 1;
      }
      // Copy the rest: `buffer` is reused by the next read.
      carry = Buffer.from(data.subarray(start));
      if (lines.length > 0) yield { lines, bytes: start };
    }
    if (carry.length > 0) yield { torn: carry };
  } finally {
    await handle.close();
  }
}
