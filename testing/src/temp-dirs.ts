import { rmSync } from 'node:fs';
import { mkdtemp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];
let hooked = false;

/**
 * A fresh real (realpath'd) directory in the OS temp dir, removed when the test process
 * exits: a step's files stay readable for the test's assertions, and nothing is left behind.
 */
export async function tempDir(prefix: string): Promise<string> {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const dir of created) rmSync(dir, { recursive: true, force: true });
    });
  }
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  created.push(dir);
  return dir;
}
