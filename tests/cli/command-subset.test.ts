/**
 * The CLI parses a command line with only the commands named by its first word (clipanion
 * builds a state machine of every registered command per parse). Whatever the command line,
 * that picks the command the whole CLI picks, with the same options, or fails where it fails
 * (and then runCli parses it again with every command, so errors read the same).
 */
import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Cli } from 'clipanion';
import fc from 'fast-check';
import { buildCli, namedBy } from '../../cli/src/cli.ts';
import { COMMANDS } from '../../cli/src/commands/index.ts';

const WORDS = ['mission', 'execute', 'validate', 'plan', 'migrate', 'run', 'runs', 'list', 'audit', 'verify', 'report', 'plugins', 'plugin', 'new',
  'policy', 'check', 'compile', 'worker', 'init', 'completion', 'm.yaml', '--json', '--help', '-h', '--version', '--resume', 'latest',
  '--allow-write', '--repair', '--backend', 'redis', '--log-level', 'info', 'x'];

/**
 * What a parse gives: the command class and its option values — for a help request, the text it
 * prints (its internals number the commands registered) — or that it failed.
 */
async function parse(cli: Cli, argv: string[]): Promise<unknown> {
  let command: Record<string, unknown>;
  try {
    command = cli.process(argv, Cli.defaultContext) as unknown as Record<string, unknown>;
  } catch {
    return { error: true };
  }
  if (command.constructor.name === 'HelpCommand') {
    let text = '';
    const stdout = new Writable({ write: (chunk: Buffer, _encoding, done) => { text += chunk.toString(); done(); } });
    await cli.run(argv, { ...Cli.defaultContext, stdout, stderr: stdout });
    return { help: text };
  }
  const values = Object.fromEntries(Object.entries(command).filter(([key]) => key !== 'cli' && key !== 'context' && key !== 'path'));
  return { command: command.constructor.name, values: JSON.parse(JSON.stringify(values)) as unknown };
}

test('the commands of the first word parse any command line as all commands do', async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(...WORDS), { maxLength: 6 }), async (argv) => {
    const all = await parse(buildCli(), argv);
    const named = namedBy(argv);
    const subset = named === null ? all : await parse(buildCli(named), argv);
    // A subset that cannot parse it falls back to the whole CLI (runCli); one that can must agree.
    if (!(typeof subset === 'object' && subset !== null && 'error' in subset)) assert.deepEqual(subset, all, argv.join(' '));
  }), { numRuns: 800 });
});

test('every command is named by its own first word (completion, which lists them all, by none)', () => {
  for (const command of COMMANDS) {
    for (const path of command.paths ?? []) {
      if (path[0] === 'completion') assert.equal(namedBy([...path]), null);
      else assert.ok(namedBy([...path])?.includes(command), path.join(' '));
    }
  }
});
