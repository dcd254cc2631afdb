import { isRustchainError, PluginError, type StepContext } from '@rustchain/core/plugin';

/**
 * Which files a path names: the file itself (its language from the extension, anything else
 * refused), or the supported files under a directory, walked through `ctx.fs.list` (never
 * following symlinks, skipping dependency, build and hidden directories), sorted, bounded.
 */

/** Languages a real parser is wired for. */
export type SourceLanguage = 'typescript' | 'javascript';

const EXTENSIONS: ReadonlyArray<readonly [suffix: string, language: SourceLanguage]> = [
  ['.d.ts', 'typescript'],
  ['.tsx', 'typescript'],
  ['.mts', 'typescript'],
  ['.cts', 'typescript'],
  ['.ts', 'typescript'],
  ['.jsx', 'javascript'],
  ['.mjs', 'javascript'],
  ['.cjs', 'javascript'],
  ['.js', 'javascript'],
];

/** Directories a walk never enters. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', 'out', 'target', 'vendor']);

/** The language of `path` from its extension, or null. Declaration files (.d.ts) count only when named directly. */
export function languageOf(path: string): SourceLanguage | null {
  return EXTENSIONS.find(([suffix]) => path.endsWith(suffix))?.[1] ?? null;
}

/** A source file to parse: `path` as shown in outputs, `resolved` the checked absolute path. */
export interface SourceFile {
  path: string;
  resolved: string;
  language: SourceLanguage;
}

/** The error for a file whose language has no parser here. */
export function unsupported(path: string): PluginError {
  return new PluginError('E_EXTRACT_UNSUPPORTED_LANGUAGE', `${path}: no parser for this file type (supported: TypeScript and JavaScript: ${EXTENSIONS.map(([s]) => s).join(' ')})`, {
    details: { path, supported: EXTENSIONS.map(([s]) => s) },
    nonRetryable: true,
  });
}

/** The files `path` names, at most `maxFiles` (truncated says whether more existed). */
export async function discover(ctx: StepContext, path: string, maxFiles: number): Promise<{ files: SourceFile[]; truncated: boolean }> {
  const resolved = await ctx.fs.resolve(path, 'read');
  const stat = await ctx.fs.stat(resolved);
  if (stat === null) throw new PluginError('E_FS_NOT_FOUND', `${path}: no such file or directory`, { details: { path, resolved }, nonRetryable: true });
  if (stat.type === 'file') {
    const language = languageOf(path);
    if (language === null) throw unsupported(path);
    return { files: [{ path, resolved, language }], truncated: false };
  }
  if (stat.type !== 'directory') throw new PluginError('E_FS_NOT_REGULAR_FILE', `${path} is a ${stat.type}`, { details: { path, resolved }, nonRetryable: true });
  const files: SourceFile[] = [];
  const walk = async (dir: string, shown: string): Promise<boolean> => {
    for (const entry of await ctx.fs.list(dir)) {
      const childShown = shown === '.' ? entry.name : `${shown.replace(/\/$/, '')}/${entry.name}`;
      if (entry.type === 'directory') {
        if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
        try {
          if (!(await walk(`${dir}/${entry.name}`, childShown))) return false;
        } catch (error) {
          // A subdirectory the policy hides (deny lists) is skipped, not fatal.
          if (!(isRustchainError(error) && error.code.startsWith('E_POLICY_'))) throw error;
        }
      } else if (entry.type === 'file' && !entry.name.endsWith('.d.ts')) {
        const language = languageOf(entry.name);
        if (language === null) continue;
        if (files.length >= maxFiles) return false;
        files.push({ path: childShown, resolved: `${dir}/${entry.name}`, language });
      }
    }
    return true;
  };
  const complete = await walk(resolved, path);
  return { files, truncated: !complete };
}
