/** SQLite values → JSON-safe output values (run outputs are plain data). */

/** A blob in the outputs. */
export interface BlobValue {
  type: 'blob';
  base64: string;
}

/** Integers beyond 2^53 become strings (read with safeIntegers, so no precision is lost first). */
export function jsonValue(value: unknown): string | number | null | BlobValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (value instanceof Uint8Array) return { type: 'blob', base64: Buffer.from(value).toString('base64') };
  return String(value);
}

/** A parameter value for better-sqlite3: booleans as 1/0 (SQLite has no boolean). */
export function bindValue(value: string | number | boolean | null): string | number | null {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}
