import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** A fresh state dir per call (`rustchain-<prefix>-…` in the OS temp dir), all removed once the file's tests end. */
export function stateDirs(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), `rustchain-${prefix}-`));
    dirs.push(dir);
    return dir;
  };
}
