/**
 * A batch's ledger lines as UTF-8 bytes, written straight into one reusable buffer: a batch of
 * thousands of events used to be joined into one string and then copied again into a Buffer for
 * the write (two copies of every line, the largest allocations of a commit after sealing).
 */
const INITIAL_BYTES = 64 * 1024;
/** A buffer grown past this by a huge batch is not kept for the next one. */
const KEEP_BYTES = 4 * 1024 * 1024;

/**
 * Buffer's own encoders, which `buf.write` calls after sorting out its optional arguments and
 * encoding name. Called directly: a short run's ~4 writes per ledger line go through that
 * wrapper unoptimised (~0.1 µs each, ~1 µs of CPU per step of a 4,000-step CLI run). Not in
 * Node's documentation, so taken only where present; `write` otherwise.
 */
interface Encoders {
  utf8Write(text: string, offset: number, length: number): number;
  latin1Write(text: string, offset: number, length: number): number;
}
const direct = typeof (Buffer.prototype as Partial<Encoders>).utf8Write === 'function' && typeof (Buffer.prototype as Partial<Encoders>).latin1Write === 'function';

export class LineBuffer {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private length = 0;

  /** Append `text` as UTF-8. */
  append(text: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    this.reserve(text.length * 3);
    this.length += direct ? (this.buffer as unknown as Encoders).utf8Write(text, this.length, this.buffer.length - this.length) : this.buffer.write(text, this.length, 'utf8');
  }

  /** Append text known to be ASCII (hex digests, fixed punctuation). */
  appendAscii(text: string): void {
    this.reserve(text.length);
    this.length += direct ? (this.buffer as unknown as Encoders).latin1Write(text, this.length, this.buffer.length - this.length) : this.buffer.write(text, this.length, 'latin1');
  }

  /** Forget the last `bytes` bytes appended (single-byte characters the caller just wrote). */
  dropLast(bytes: number): void {
    this.length = Math.max(0, this.length - bytes);
  }

  /** The bytes appended since the last `reset` (a view: valid until the next append or reset). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** How many bytes have been appended since the last `reset`. */
  get size(): number {
    return this.length;
  }

  /** The bytes appended since the buffer's size was `start` (a view, as `bytes()`). */
  bytesFrom(start: number): Buffer {
    return this.buffer.subarray(start, this.length);
  }

  /** Start a new batch; a buffer a huge batch grew is let go. */
  reset(): void {
    this.length = 0;
    if (this.buffer.length > KEEP_BYTES) this.buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  }

  private reserve(bytes: number): void {
    const need = this.length + bytes;
    if (need <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
