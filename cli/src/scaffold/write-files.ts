import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A file to scaffold: its path relative to the target directory and its text. */
export interface ScaffoldFile {
  path: string;
  text: string;
}

/**
 * Writes scaffold files under `dir`, never over an existing file: the paths that already
 * exist are returned untouched (the caller decides whether that is an error), the rest written.
 */
export async function writeScaffold(dir: string, files: readonly ScaffoldFile[]): Promise<{ written: string[]; kept: string[] }> {
  const written: string[] = [];
  const kept: string[] = [];
  for (const file of files) {
    const target = join(dir, file.path);
    if (existsSync(target)) {
      kept.push(file.path);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.text);
    written.push(file.path);
  }
  return { written, kept };
}

/** The version of an installed @rustchain package (`core`, `testing`...), for caret ranges. */
export async function rustchainVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { CLI_DIR } = await import('../package-dir.ts');
  const pkg = JSON.parse(await readFile(join(CLI_DIR, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.1.0';
}
