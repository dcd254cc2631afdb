import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { Builtins, Cli, type CommandClass } from 'clipanion';
import { COMMANDS } from './commands/index.ts';
import { EXIT } from './exit-codes.ts';
import { colourEnabled } from './report/colour.ts';
import { commandSyntax, explainUsageError } from './usage-errors.ts';
import { withPlaceholders } from './usage-text.ts';

/** The CLI's version, from its package.json (read synchronously: one small file, every start-up). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** clipanion's Cli, with real value placeholders (`--config <file>`) in help instead of `#0`. */
class RustchainCli extends Cli {
  protected override getUsageByIndex(n: number, opts?: { detailed?: boolean; inlineOptions?: boolean }): { usage: string; options: Array<{ definition: string; description: string; required: boolean }> } {
    const { usage, options } = super.getUsageByIndex(n, opts);
    return { usage: withPlaceholders(usage), options: options.map((o) => ({ ...o, definition: withPlaceholders(o.definition) })) };
  }
}

/** Builds the clipanion CLI with `commands` (every registered one by default). */
export function buildCli(commands: readonly CommandClass[] = COMMANDS): Cli {
  const enableColors = colourEnabled(process.stdout);
  const cli = new RustchainCli({ binaryLabel: 'RustChain', binaryName: 'rustchain', binaryVersion: version(), enableColors });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

/**
 * The commands whose path starts with the command line's first word, or null (all of them):
 * clipanion builds a state machine of every registered command for each parse, ~15 ms of a
 * run's start-up for 18 commands, where `mission execute` only needs the four `mission` ones.
 * `completion` lists every command, so it gets them all.
 */
export function namedBy(argv: readonly string[]): readonly CommandClass[] | null {
  const first = argv[0];
  if (first === undefined || first.startsWith('-') || first === 'completion') return null;
  const named = COMMANDS.filter((command) => command.paths?.some((path) => path[0] === first));
  return named.length > 0 ? named : null;
}

/**
 * Runs one command line and returns its exit code. A command line clipanion cannot parse
 * (unknown command or option, missing argument) is a usage error: message on stderr, exit 2 —
 * clipanion's own default would be 1, which the contract reserves for "ran and failed".
 */
export async function runCli(argv: string[], io: { stdin: NodeJS.ReadableStream; stdout: Writable; stderr: Writable }): Promise<number> {
  const context = { ...Cli.defaultContext, stdin: io.stdin as typeof process.stdin, stdout: io.stdout, stderr: io.stderr };
  const named = namedBy(argv);
  let cli = buildCli(named ?? COMMANDS);
  let command;
  try {
    try {
      command = cli.process(argv, context);
    } catch (error) {
      if (named === null) throw error;
      // Not a command line of those few: parse it (and report what is wrong) as the whole CLI does.
      cli = buildCli();
      command = cli.process(argv, context);
    }
  } catch (error) {
    const explained = await explainUsageError(error, argv, commandSyntax(cli.definitions()));
    io.stderr.write(explained === null ? withPlaceholders(cli.error(error, { colored: false })) : `rustchain: ${explained}\n`);
    if (argv.includes('--json')) {
      const message = explained ?? (error instanceof Error ? error.message : String(error));
      io.stdout.write(`${JSON.stringify({ ok: false, diagnostics: [{ code: 'E_USAGE', severity: 'error', message, file: '', line: 0, column: 0 }] }, null, 2)}\n`);
    }
    return EXIT.invalid;
  }
  return cli.run(command, context);
}
