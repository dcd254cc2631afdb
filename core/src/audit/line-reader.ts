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
    // One buffer for the whole file: the unfinished line is moved to its front and the next
    // read lands after it (no allocation per chunk; lines are copied out as strings).
    let buffer = Buffer.alloc(CHUNK);
    let carry = 0;
    while (position < limit) {
      if (carry === buffer.length) {
        const bigger = Buffer.alloc(buffer.length * 2); // a line longer than the buffer
        buffer.copy(bigger, 0, 0, carry);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, carry, Math.min(buffer.length - carry, limit - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const filled = carry + bytesRead;
      const lines: string[] = [];
      let start = 0;
      for (let nl = buffer.indexOf(0x0a, carry); nl >= 0 && nl < filled; nl = buffer.indexOf(0x0a, nl + 1)) {
        lines.push(buffer.toString('utf8', start, nl));
        start = nl + 1;
      }
      buffer.copy(buffer, 0, start, filled);
      carry = filled - start;
      if (lines.length > 0) yield { lines, bytes: start };
    }
    if (carry > 0) yield { torn: Buffer.from(buffer.subarray(0, carry)) };
  } finally {
    await handle.close();
  }
}
