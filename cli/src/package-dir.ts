import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The @rustchain/cli package directory, found by walking up from this module: the same answer
 * from src/ (tests) and from a dist/ chunk (installed), where a fixed `../../` would differ.
 * First-party plugins and core resolve from here when a project names none.
 */
export const CLI_DIR: string = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'rustchain.mjs'))) return dir;
  }
  throw new Error('@rustchain/cli: cannot find the package directory');
})();
