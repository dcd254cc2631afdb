import { Command, Option, UsageError } from 'clipanion';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from '../completion/scripts.ts';
import { EXIT } from '../exit-codes.ts';
import { commandSyntax } from '../usage-errors.ts';
import { RustchainCommand } from './base.ts';

/** `rustchain completion bash|zsh|fish`: the shell completion script, on stdout. */
export class CompletionCommand extends RustchainCommand {
  static override paths = [['completion']];

  static override usage = Command.Usage({
    category: 'Setup',
    description: 'Print the shell completion script for bash, zsh or fish',
    details: `
      Completes command words, the options of each command and file names. Generated from the
      commands this CLI registers, so it matches the installed version.
    `,
    examples: [
      ['bash (add to ~/.bashrc)', 'source <($0 completion bash)'],
      ['zsh (add to ~/.zshrc)', 'source <($0 completion zsh)'],
      ['fish', '$0 completion fish > ~/.config/fish/completions/rustchain.fish'],
    ],
  });

  /** The shell. */
  shell = Option.String({ name: 'shell' });

  override async run(): Promise<number> {
    if (!(COMPLETION_SHELLS as readonly string[]).includes(this.shell)) {
      throw new UsageError(`completion is written for ${COMPLETION_SHELLS.join(', ')}; got \`${this.shell}\``);
    }
    const commands = commandSyntax(this.cli.definitions()).filter((c) => c.path.length > 0);
    this.context.stdout.write(completionScript(this.shell as CompletionShell, commands));
    return EXIT.ok;
  }
}
