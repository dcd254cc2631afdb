/**
 * Parser of `git status --porcelain=v2 --branch -z`: NUL-terminated records, headers first
 * (`# branch.*`), then one record per path; a rename record is followed by its original path
 * as a record of its own. Fields are split on single spaces only up to the path, so paths
 * keep their spaces.
 */

/** One path `git status` reports. */
export interface StatusEntry {
  path: string;
  /** Status letter in the index (`M`, `A`, `D`, `R`, `C`, `T`, `U`), `.` unchanged, `?` untracked, `!` ignored. */
  index: string;
  /** Status letter in the working tree, same alphabet. */
  worktree: string;
  kind: 'changed' | 'renamed' | 'untracked' | 'ignored' | 'unmerged';
  /** The path before a rename or copy. */
  orig_path?: string;
}

/** The branch headers. */
export interface BranchInfo {
  /** The branch name, or null when HEAD is detached. */
  head: string | null;
  upstream: string | null;
  ahead: number;
  behind: number;
  /** The commit HEAD names, or null before the first commit. */
  oid: string | null;
}

/** What one status run says. */
export interface ParsedStatus {
  branch: BranchInfo;
  entries: StatusEntry[];
}

/** The path after the first `n` space-separated fields of `record`. */
function afterFields(record: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n; i++) {
    at = record.indexOf(' ', at) + 1;
    if (at === 0) return '';
  }
  return record.slice(at);
}

function applyHeader(branch: BranchInfo, record: string): void {
  const [, key = '', ...rest] = record.split(' ');
  const value = rest.join(' ');
  if (key === 'branch.oid') branch.oid = value === '(initial)' ? null : value;
  else if (key === 'branch.head') branch.head = value === '(detached)' ? null : value;
  else if (key === 'branch.upstream') branch.upstream = value;
  else if (key === 'branch.ab') {
    const match = /^\+(\d+) -(\d+)$/.exec(value);
    if (match) {
      branch.ahead = Number(match[1]);
      branch.behind = Number(match[2]);
    }
  }
}

/** Parses the NUL-separated output; unknown record kinds are skipped (forward compatible). */
export function parsePorcelainV2(output: string): ParsedStatus {
  const branch: BranchInfo = { head: null, upstream: null, ahead: 0, behind: 0, oid: null };
  const entries: StatusEntry[] = [];
  const records = output.split('\0');
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as string;
    if (record === '') continue;
    const xy = record.slice(2, 4);
    const letters = { index: xy[0] ?? '.', worktree: xy[1] ?? '.' };
    switch (record[0]) {
      case '#':
        applyHeader(branch, record);
        break;
      case '1':
        entries.push({ path: afterFields(record, 8), ...letters, kind: 'changed' });
        break;
      case '2':
        entries.push({ path: afterFields(record, 9), ...letters, kind: 'renamed', orig_path: records[++i] ?? '' });
        break;
      case 'u':
        entries.push({ path: afterFields(record, 10), ...letters, kind: 'unmerged' });
        break;
      case '?':
        entries.push({ path: record.slice(2), index: '?', worktree: '?', kind: 'untracked' });
        break;
      case '!':
        entries.push({ path: record.slice(2), index: '!', worktree: '!', kind: 'ignored' });
        break;
    }
  }
  return { branch, entries };
}

/** Counts by category; a path staged and modified again counts in both. */
export function countEntries(entries: readonly StatusEntry[]): Record<'staged' | 'unstaged' | 'untracked' | 'ignored' | 'unmerged' | 'total', number> {
  const counts = { staged: 0, unstaged: 0, untracked: 0, ignored: 0, unmerged: 0, total: entries.length };
  for (const e of entries) {
    if (e.kind === 'untracked') counts.untracked++;
    else if (e.kind === 'ignored') counts.ignored++;
    else if (e.kind === 'unmerged') counts.unmerged++;
    else {
      if (e.index !== '.') counts.staged++;
      if (e.worktree !== '.') counts.unstaged++;
    }
  }
  return counts;
}

/** The classic short format (`XY path`, `XY orig -> path`), the original step's `status` output. */
export function shortFormat(entries: readonly StatusEntry[]): string {
  return entries
    .map((e) => {
      const xy = `${e.index}${e.worktree}`.replace(/\./g, ' ');
      return `${xy} ${e.orig_path !== undefined ? `${e.orig_path} -> ${e.path}` : e.path}\n`;
    })
    .join('');
}
