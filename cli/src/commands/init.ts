import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import { EXIT } from '../exit-codes.ts';
import { RustchainCommand } from './base.ts';

/** `rustchain init`: a config, an example mission and a .gitignore entry in a directory. */
export class InitCommand extends RustchainCommand {
  static override paths = [['init']];

  static override usage = Command.Usage({
    category: 'Project',
    description: 'Set up RustChain in a directory: config, example mission, .gitignore',
    details: `
      Writes \`rustchain.config.ts\` (every first-party plugin listed, a default-deny policy with comments
      on each field), \`missions/hello.yaml\` (with the editor schema comment) and adds the state directory
      \`.rustchain/\` to \`.gitignore\`. Works in an empty or an existing directory, ESM or CommonJS package;
      refuses when a rustchain.config.* already exists. The example runs straight away:
      \`npx rustchain mission execute missions/hello.yaml\`.
    `,
    examples: [['Set up the current directory', '$0 init'], ['Another directory', '$0 init --dir my-project']],
  });

  /** Target directory. */
  dir = Option.String('--dir', { description: 'Directory to set up (default: the current one)' });

  override async run(): Promise<number> {
    const core = await import('@rustchain/core');
    const dir = resolve(process.cwd(), this.dir ?? '.');
    const existing = core.CONFIG_FILE_NAMES.find((name) => existsSync(join(dir, name)));
    if (existing !== undefined) throw new UsageError(`${join(dir, existing)} already exists: this directory is set up (edit that file)`);
    // rustchain.config.ts loads in ESM and CommonJS packages alike (tsx, and require of core's ESM).
    const configName = 'rustchain.config.ts';
    const { projectFiles } = await import('../scaffold/project-files.ts');
    const { writeScaffold } = await import('../scaffold/write-files.ts');
    const { written, kept } = await writeScaffold(dir, projectFiles({ plugins: core.FIRST_PARTY_PLUGINS, configName }));
    const ignore = join(dir, '.gitignore');
    const ignored = existsSync(ignore) ? await readFile(ignore, 'utf8') : '';
    if (!ignored.split('\n').some((line) => ['.rustchain', '.rustchain/', '/.rustchain/'].includes(line.trim()))) {
      await appendFile(ignore, `${ignored === '' || ignored.endsWith('\n') ? '' : '\n'}.rustchain/\n`);
      written.push('.gitignore');
    }
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ ok: true, dir, written, kept }, null, 2)}\n`);
    } else {
      for (const path of kept) this.context.stderr.write(`kept existing ${path}\n`);
      this.context.stdout.write(`wrote ${written.join(', ')} in ${dir}\nnext: npx rustchain mission execute missions/hello.yaml\n`);
    }
    return EXIT.ok;
  }
}
