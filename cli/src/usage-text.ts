/**
 * What help shows in place of clipanion's `#0` argument placeholders: the kind of value each
 * option takes (`--config <file>`), and for the permission flags, that a value binds with `=`.
 */

/** Placeholder of each value-taking option, by its long name; `<value>` otherwise. */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  '--log-level': '<level>',
  '--config': '<file>',
  '--policy': '<file>',
  '--out': '<file>',
  '--output': '<file>',
  '--run': '<run-id>',
  '--resume': '<run-id|latest>',
  '--format': '<format>',
  '--max-parallel': '<n>',
  '--max-bytes': '<bytes>',
  '--durability': '<fsync|none>',
  '--to': '<file|dir/|git:repo#ref>',
  '--anchor': '<file|dir/|git:repo#ref>',
  '--since': '<seq>',
  '--attestation': '<file>',
  '--public-key': '<file>',
  '--dir': '<dir>',
  '--name': '<name>',
  '--record': '<dir>',
  '--replay': '<dir>',
  '--backend': '<in-process|redis>',
  '--redis': '<url>',
  '--queue': '<name>',
};

/** The permission flags: alone they allow everything, a list binds with `=`. */
const GRANT_VALUES: Readonly<Record<string, string>> = {
  '--allow-run': '<cmd,...>',
  '--allow-read': '<path,...>',
  '--allow-write': '<path,...>',
  '--allow-net': '<host[:port],...>',
  '--allow-env': '<NAME,...>',
};

/** The long name of an option definition like `-o,--out`. */
function longName(names: string): string {
  return names.split(',').find((n) => n.startsWith('--')) ?? names;
}

/** A usage line or option definition with real placeholders instead of `#0` (and `...`, the rest arguments: files). */
export function withPlaceholders(text: string): string {
  return text
    .replace(/ \.\.\.$/, ' [<file>...]')
    .replace(/(-{1,2}[\w-]+(?:,-{1,2}[\w-]+)*) #0/g, (_, names: string) => `${names} ${PLACEHOLDERS[longName(names)] ?? '<value>'}`)
    .replace(/(--allow-(?:run|read|write|net|env))(?=[\]\s]|$)/g, (flag: string) => `${flag}[=${GRANT_VALUES[flag] ?? '<value>'}]`);
}

/** The permission flags whose value must bind with `=` (`--allow-run=wc`, never `--allow-run wc`). */
export const BINDING_FLAGS: readonly string[] = Object.keys(GRANT_VALUES);
