import picomatch from 'picomatch';

/**
 * The name test of `file_search`. A pattern with glob characters is a picomatch glob over
 * the path relative to the search root (`src/**\/*.ts`); without a `/` it matches the entry's
 * name at any depth (`*.ts` is `**\/*.ts`). A pattern with no glob character at all matches names that
 * CONTAIN it: what the original did (`name.contains(pattern)`), so its missions keep working.
 */

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/** True for a relative path (`/`-separated) the pattern selects. */
export type Matcher = (relative: string, name: string) => boolean;

/** Builds the matcher for `pattern`. */
export function compileMatcher(pattern: string): Matcher {
  const glob = pattern.startsWith('./') ? pattern.slice(2) : pattern;
  if (!GLOB_CHARS.test(glob)) return (_relative, name) => name.includes(glob);
  // `*.ts` means `**/*.ts`, not picomatch's `basename` option: that one would match `.git/x.ts`,
  // whereas `**` (like a shell) does not enter dot-directories the pattern does not name.
  const test = picomatch(glob.includes('/') ? glob : `**/${glob}`);
  return (relative) => test(relative);
}
