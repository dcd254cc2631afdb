/** Parser of `git diff --numstat -z`: `adds\tdels\tpath\0`, or `adds\tdels\t\0old\0new\0` for a rename. */

/** One file of a diff. */
export interface DiffFile {
  path: string;
  additions: number;
  deletions: number;
  /** Git counts no lines for binary files (`-` in numstat). */
  binary: boolean;
  /** The path before a rename or copy. */
  orig_path?: string;
}

/** Parses the NUL-separated numstat output. */
export function parseNumstat(output: string): DiffFile[] {
  const records = output.split('\0');
  const files: DiffFile[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as string;
    const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(record);
    if (!match) continue;
    const [, adds = '-', dels = '-', rest = ''] = match;
    const binary = adds === '-' && dels === '-';
    const counts = { additions: binary ? 0 : Number(adds), deletions: binary ? 0 : Number(dels), binary };
    if (rest === '') {
      const orig = records[++i] ?? '';
      files.push({ path: records[++i] ?? '', ...counts, orig_path: orig });
    } else {
      files.push({ path: rest, ...counts });
    }
  }
  return files;
}
