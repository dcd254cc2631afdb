import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The main of every generator script (docs, schema): writes `text` to `path`, or with `--check`
 * leaves the file alone and exits 1 when it is stale (a missing file is stale too), naming the
 * command that regenerates it. One place, so the generators cannot drift apart.
 */
export function writeOrCheck(path: string, text: string, command: string): void {
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (current !== text) {
      console.error(`${path} is stale: run ${command}`);
      process.exit(1);
    }
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
