import { isRustchainError, RustchainError, type StepContext } from '@rustchain/core/plugin';
import type { Matcher } from './match.ts';

/**
 * A bounded, depth-first walk of one directory tree through `ctx.fs` (so every directory and
 * file passes the policy guard). Symlinks are never followed nor reported: nothing outside the
 * tree is reached through them. Directories the policy refuses (`.rustchain`, `deny_read`
 * paths) are skipped. Entries come in sorted order, so results are stable.
 */

/** Entries examined at most before the walk stops (truncated). */
const MAX_ENTRIES = 200_000;
/** Wall-clock budget of one walk before it stops (truncated). */
const MAX_WALK_MS = 30_000;
/** Longest matching line returned in `text`; longer ones are cut. */
const MAX_LINE_CHARS = 1_000;

/** One hit: an entry whose name matched, or (content search) one line of a file. */
export interface Match {
  path: string;
  relative: string;
  type: 'file' | 'directory';
  line?: number;
  text?: string;
}

/** What the walk needs to know. */
export interface WalkOptions {
  root: string;
  matcher: Matcher;
  content: string | undefined;
  maxResults: number;
  maxDepth: number;
  maxFileBytes: number;
}

/** Walks the tree; `truncated` when a limit (results, entries, time) cut it short. */
export async function walk(ctx: StepContext, o: WalkOptions): Promise<{ matches: Match[]; truncated: boolean }> {
  const matches: Match[] = [];
  const deadline = Date.now() + MAX_WALK_MS;
  let seen = 0;
  const stack: Array<{ dir: string; relative: string; depth: number }> = [{ dir: o.root, relative: '', depth: 0 }];
  // One match past the limit proves something was left out (no false `truncated` at exactly max).
  const full = (): boolean => matches.length > o.maxResults;
  const cut = () => ({ matches: matches.slice(0, o.maxResults), truncated: true });
  while (stack.length > 0) {
    if (ctx.signal.aborted) throw cancelled(ctx.signal);
    const { dir, relative, depth } = stack.pop()!;
    const entries = await skipDenied(() => ctx.fs.list(dir));
    if (entries === null) continue;
    const below: typeof stack = [];
    for (const entry of entries) {
      if (++seen > MAX_ENTRIES || Date.now() > deadline) return cut();
      if (entry.type !== 'file' && entry.type !== 'directory') continue;
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const path = `${dir === '/' ? '' : dir}/${entry.name}`;
      if (entry.type === 'directory') {
        if (depth < o.maxDepth) below.push({ dir: path, relative: rel, depth: depth + 1 });
        if (o.content === undefined && o.matcher(rel, entry.name)) matches.push({ path, relative: rel, type: 'directory' });
      } else if (o.matcher(rel, entry.name)) {
        if (o.content === undefined) matches.push({ path, relative: rel, type: 'file' });
        else if (entry.size <= o.maxFileBytes) await searchFile(ctx, path, rel, o, matches);
      }
      if (full()) return cut();
    }
    // Reversed onto the stack so the first directory in sorted order is walked first.
    for (let i = below.length - 1; i >= 0; i--) stack.push(below[i]!);
  }
  return { matches, truncated: false };
}

/** Appends one match per line of the file that contains `o.content`. Binary files are skipped. */
async function searchFile(ctx: StepContext, path: string, relative: string, o: WalkOptions, matches: Match[]): Promise<void> {
  const text = await skipDenied(() => ctx.fs.readText(path, { maxBytes: o.maxFileBytes }));
  if (text === null || text.includes('\u0000') || !text.includes(o.content!)) return;
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (!line.includes(o.content!)) continue;
    matches.push({ path, relative, type: 'file', line: i + 1, text: line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line });
    if (matches.length > o.maxResults) return;
  }
}

/**
 * `op`, or null when the policy refuses the path, or the entry changed under the walk (gone,
 * turned into a symlink, grew past the cap): one such entry must not fail the whole search.
 */
async function skipDenied<T>(op: () => Promise<T>): Promise<T | null> {
  try {
    return await op();
  } catch (error) {
    if (isRustchainError(error) && (error.code.startsWith('E_POLICY_') || SKIPPABLE.has(error.code))) return null;
    throw error;
  }
}

const SKIPPABLE: ReadonlySet<string> = new Set(['E_FS_NOT_FOUND', 'E_FS_SYMLINK_REFUSED', 'E_FS_NOT_REGULAR_FILE', 'E_OUTPUT_TOO_LARGE']);

function cancelled(signal: AbortSignal): unknown {
  return signal.reason ?? new RustchainError('E_STEP_CANCELLED', 'file_search was cancelled');
}
