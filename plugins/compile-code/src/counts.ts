/** Counting helpers for the code step types: summary lines the tools print, summed. */

/** Sums every match's capture groups, by name, over `text`; null when nothing matched. */
export function sumMatches(text: string, pattern: RegExp, names: readonly string[]): Record<string, number> | null {
  let found = false;
  const totals: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const match of text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))) {
    found = true;
    names.forEach((name, i) => {
      totals[name] = (totals[name] ?? 0) + Number(match[i + 1] ?? 0);
    });
  }
  return found ? totals : null;
}

/** Errors and warnings cargo summarises ("generated N warnings", "due to N previous errors"). */
export function cargoDiagnostics(stdout: string, stderr: string): Record<string, number> {
  const text = `${stdout}\n${stderr}`;
  return {
    errors: sumMatches(text, /due to (\d+) previous errors?/m, ['errors'])?.['errors'] ?? 0,
    warnings: sumMatches(text, /generated (\d+) warnings?/m, ['warnings'])?.['warnings'] ?? 0,
  };
}
