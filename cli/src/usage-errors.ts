import { BINDING_FLAGS } from './usage-text.ts';

/**
 * A usage error explained: which command or option was probably meant, and how to write it.
 * clipanion's own message for `rustchain mision validate` is the list of every command, and
 * for `--allow-run wc` "Extraneous positional argument"; people need the one fix instead.
 */
export async function explainUsageError(error: unknown, argv: readonly string[], commands: readonly CommandSyntax[]): Promise<string | null> {
  const message = error instanceof Error ? error.message : String(error);
  const { didYouMean } = await import('@rustchain/core');
  const paths = commands.map((c) => c.path).filter((p) => p.length > 0);
  const words = argv.filter((a) => !a.startsWith('-'));
  const command = matchedCommand(words, commands);

  // A permission flag given its value with a space: it was taken as a positional argument.
  const spaced = argv.findIndex((a, i) => BINDING_FLAGS.includes(a) && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-'));
  if (spaced !== -1 && /Extraneous positional argument/.test(message)) {
    const flag = argv[spaced]!;
    return `${flag} ${argv[spaced + 1]}: values of ${flag} bind with \`=\`: write \`${flag}=${argv[spaced + 1]}\` (${flag} alone allows everything)`;
  }

  const option = /Unsupported option name \("([^"]+)"\)/.exec(message)?.[1];
  if (option !== undefined) {
    const known = command === null ? [] : [...command.options, '--help'];
    const guess = didYouMean(option.replace(/=.*$/, ''), known);
    const where = command === null ? '' : ` for \`rustchain ${command.path.join(' ')}\``;
    return `unknown option ${option}${where}${guess === null ? '' : `; did you mean ${guess}?`} (see --help)`;
  }

  const extra = /Extraneous positional argument \("([^"]*)"\)/.exec(message)?.[1];
  if (extra !== undefined && command !== null) {
    return `too many arguments: \`${extra}\`; \`rustchain ${command.path.join(' ')}\` takes ${command.positionals.join(' ') || 'no argument'}${command.positionals.includes('<file>') ? ' (one file per command)' : ''}`;
  }
  if (/Not enough positional arguments/.test(message) && command !== null) {
    return `\`rustchain ${command.path.join(' ')}\` needs ${command.positionals.join(' ')} (see \`rustchain ${command.path.join(' ')} --help\`)`;
  }

  const valueless = /Not enough arguments to option (\S+?)\.?$/m.exec(message)?.[1];
  if (valueless !== undefined) return `${valueless} needs a value${command === null ? '' : ` (see \`rustchain ${command.path.join(' ')} --help\`)`}`;

  if (/^Command not found/.test(message)) {
    // Every word matched a command, so a required option is missing (clipanion says "not found").
    if (command !== null && command.required.length > 0 && words.length >= command.path.length) {
      return `\`rustchain ${command.path.join(' ')}\` needs ${command.required.join(' and ')}`;
    }
    if (words[0] === 'help') return words.length > 1 ? `for help on a command, write \`rustchain ${words.slice(1).join(' ')} --help\`` : 'for help, write `rustchain --help`';
    const nouns = [...new Set(paths.map((p) => p[0]!))];
    const [first, second] = words;
    if (first === undefined) return null;
    // A whole command as one word (`rustchain validate`): the noun it belongs under.
    const whole = paths.find((p) => p.length === 2 && p[1] === first);
    if (!nouns.includes(first) && whole !== undefined) return `unknown command \`${first}\`; did you mean \`rustchain ${whole.join(' ')}\`?`;
    const noun = nouns.includes(first) ? first : didYouMean(first, nouns);
    if (noun === null) return `unknown command \`${first}\` (\`rustchain --help\` lists the commands)`;
    const verbs = paths.filter((p) => p[0] === noun && p.length > 1).map((p) => p[1]!);
    if (verbs.length === 0) return noun === first ? null : `unknown command \`${first}\`; did you mean \`rustchain ${noun}\`?`;
    const verb = second !== undefined && verbs.includes(second) ? second : second === undefined ? null : didYouMean(second, verbs);
    const typed = [first, ...(second === undefined ? [] : [second])].join(' ');
    if (verb === null && second === undefined && noun === first) return `\`rustchain ${noun}\` needs a command: ${verbs.map((v) => `${noun} ${v}`).join(', ')}`;
    if (verb === null) return `unknown command \`${typed}\`; \`rustchain ${noun}\` takes: ${verbs.join(', ')}`;
    if (noun === first && verb === second) return null;
    return `unknown command \`${typed}\`; did you mean \`rustchain ${noun} ${verb}\`?`;
  }
  return null;
}

/** A command's words and option names, as clipanion's definitions list them. */
export interface CommandSyntax {
  /** `['mission', 'validate']`. */
  path: string[];
  /** `['--json', '--log-level', '-o', '--out', ...]`. */
  options: string[];
  /** Positional arguments as the usage line shows them: `['<file>']`. */
  positionals: string[];
  /** Required options with their value: `['-o,--out <file>']`. */
  required: string[];
}

/** CommandSyntax from clipanion's `cli.definitions()` (path `rustchain mission validate`, option `-o,--out #0`). */
export function commandSyntax(definitions: ReadonlyArray<{ path: string; usage: string; options: ReadonlyArray<{ definition: string; required?: boolean }> }>): CommandSyntax[] {
  return definitions.map((d) => ({
    // After the options: `<file>`, `[<file>...]` (options are bracketed and start with `-`).
    required: d.options.filter((o) => o.required === true).map((o) => o.definition),
    positionals: d.usage.replace(/\[-[^\]]*(?:\[[^\]]*\][^\]]*)*\]|<-[^>]*(?:<[^>]*>[^>]*)*>/g, '').split(' ').filter((w) => /^[<[]/.test(w)),
    path: d.path.split(' ').slice(1).filter((w) => !w.startsWith('-')),
    // `-o,--out <file>`, `--allow-run[=<cmd,...>]` (help placeholders): the names only.
    options: d.options.flatMap((o) => (o.definition.split(' ')[0] ?? '').replace(/\[=.*$/, '').split(',')).filter((n) => n.startsWith('-')),
  }));
}

/** The command the words (non-option arguments) start with, if any. */
function matchedCommand(words: readonly string[], commands: readonly CommandSyntax[]): CommandSyntax | null {
  let best: CommandSyntax | null = null;
  for (const command of commands) {
    if (command.path.length > (best?.path.length ?? 0) && command.path.every((w, i) => words[i] === w)) best = command;
  }
  return best;
}
