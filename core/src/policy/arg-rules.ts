import { realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { RustchainError } from '../errors.ts';

/**
 * Argument patterns for allowed commands (`commands.rules: [{ command: 'git', args:
 * ['status', 'log *'] }]`). No user regex (ReDoS): a pattern is whitespace-separated
 * tokens, one per argument; inside a token `*` matches any run of characters and `?` one
 * character; a last token that is exactly `*` matches any number of remaining arguments
 * (including none). A command with rules must match one of them; without rules its
 * arguments are unrestricted.
 */

/** One rule: the command (a name, or an absolute path) and the argument patterns it may run with. */
export interface CommandRule {
  command: string;
  args: readonly string[];
}

/**
 * Glob match of one argument, linear in practice: the classic two-pointer algorithm with
 * one backtrack point, O(|text|·|pattern|) worst case, never exponential.
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** True when the argument list (argv without argv[0]) matches one pattern. */
export function argsMatch(pattern: string, args: readonly string[]): boolean {
  const tokens = pattern.trim().split(/\s+/).filter((t) => t.length > 0);
  const rest = tokens.at(-1) === '*';
  const fixed = rest ? tokens.slice(0, -1) : tokens;
  if (rest ? args.length < fixed.length : args.length !== fixed.length) return false;
  return fixed.every((token, i) => globMatch(token, args[i] as string));
}

function real(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Rules that apply to argv[0]: a rule keyed on a path matches by REAL path, like the
 * allowlist (`/usr/bin//git` and a `/bin/git` symlink are `/usr/bin/git`); a rule keyed on a
 * name matches the name argv[0] is invoked as.
 */
function rulesFor(rules: readonly CommandRule[], command: string): CommandRule[] {
  let realCommand: string | undefined;
  return rules.filter((r) => {
    if (!r.command.includes('/')) return r.command === basename(command);
    if (r.command === command) return true;
    realCommand ??= command.includes('/') ? real(command) : command;
    return real(r.command) === realCommand;
  });
}

/** Refusal when argv[0] has rules and none of their patterns matches the arguments; else null. */
export function checkArgs(rules: readonly CommandRule[] | undefined, argv: readonly string[]): RustchainError | null {
  const command = argv[0] ?? '';
  const applicable = rulesFor(rules ?? [], command);
  if (applicable.length === 0) return null;
  const args = argv.slice(1);
  const patterns = applicable.flatMap((r) => r.args);
  if (patterns.some((p) => argsMatch(p, args))) return null;
  const allowWith = `a pattern in policy.commands.rules for ${basename(command)} (e.g. '${[basename(command), ...args].slice(1).join(' ')}')`;
  return new RustchainError(
    'E_POLICY_COMMAND_DENIED',
    `\`${[basename(command), ...args].join(' ')}\`: these arguments match none of the allowed patterns (${patterns.map((p) => `'${p}'`).join(', ')})`,
    { details: { command, args, patterns, rule: 'commands.rules', allowWith }, nonRetryable: true },
  );
}

/** True when the token of `pattern` for argument `index` itself starts with `-` (the rule allows an option there). */
function allowsOptionAt(pattern: string, args: readonly string[], index: number): boolean {
  if (!argsMatch(pattern, args)) return false;
  const tokens = pattern.trim().split(/\s+/).filter((t) => t.length > 0);
  const token = tokens[index];
  return token !== undefined && token.startsWith('-');
}

/**
 * Refusal when a templated value starting with `-` (see template/options.ts) lands in an
 * argument position (before any literal `--`) where no rule of the command has an option
 * token: `${{ steps.x.outputs.ref }}` = `--upload-pack=evil` must not become an option
 * (catalogue #13). Null when nothing is injected.
 */
export function checkOptionInjection(rules: readonly CommandRule[] | undefined, argv: readonly string[], templated: ReadonlySet<string>): RustchainError | null {
  if (templated.size === 0) return null;
  const command = argv[0] ?? '';
  const args = argv.slice(1);
  const patterns = rulesFor(rules ?? [], command).flatMap((r) => r.args);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--' && !templated.has(arg)) return null;
    if (!templated.has(arg)) continue;
    if (patterns.some((p) => allowsOptionAt(p, args, i))) continue;
    return new RustchainError(
      'E_ARG_OPTION_INJECTION',
      `argument ${i + 1} of \`${basename(command)}\` comes from a template and starts with "-" (${JSON.stringify(arg.slice(0, 40))}): it would be read as an option`,
      {
        details: { command, index: i + 1, value: arg, allowWith: `a policy.commands.rules pattern for ${basename(command)} whose token at that position starts with '-' (e.g. '--format=*'), or put '--' before the value` },
        nonRetryable: true,
      },
    );
  }
  return null;
}
