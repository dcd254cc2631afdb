import { resolve } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { RustchainCommand } from '../base.ts';

/** A step type is snake_case: lower-case words joined by `_`, starting with a letter. */
const STEP_TYPE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/** `rustchain plugin new <step_type>`: scaffolds a standalone, tested plugin package. */
export class PluginNewCommand extends RustchainCommand {
  static override paths = [['plugin', 'new']];

  static override usage = Command.Usage({
    category: 'Plugins',
    description: 'Scaffold a new step-type plugin package',
    details: `
      Writes a standalone npm package for a new step type: \`package.json\` (its SDK range as a peer
      dependency on @rustchain/core), \`src/index.ts\` (a working step using \`ctx.fs\`), a test that runs the
      step through the real engine with @rustchain/testing, a build script (tsup), a README and
      \`example.yaml\`, a mission using the new type. Then: \`npm install && npm test\`.
      Existing files are never overwritten.
    `,
    examples: [
      ['Scaffold ./rustchain-plugin-say-hello', '$0 plugin new say_hello'],
      ['Choose the directory and package name', '$0 plugin new say_hello --dir plugins/say-hello --name @acme/rustchain-say-hello'],
    ],
  });

  /** The new step type, snake_case. */
  stepType = Option.String({ name: 'step_type' });

  /** Where to write the package. */
  dir = Option.String('--dir', { description: 'Directory to create (default ./rustchain-plugin-<kebab-type>)' });

  /** The npm package name. */
  name = Option.String('--name', { description: 'Package name (default rustchain-plugin-<kebab-type>)' });

  override async run(): Promise<number> {
    if (!STEP_TYPE.test(this.stepType)) {
      throw new UsageError(`the step type must be snake_case (lower-case words joined by _), got \`${this.stepType}\``);
    }
    const kebab = this.stepType.replace(/_/g, '-');
    const packageName = this.name ?? `rustchain-plugin-${kebab}`;
    if (!/^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(packageName)) throw new UsageError(`\`${packageName}\` is not a valid npm package name`);
    const dir = resolve(process.cwd(), this.dir ?? `rustchain-plugin-${kebab}`);
    const { pluginFiles } = await import('../../scaffold/plugin-files.ts');
    const { rustchainVersion, writeScaffold } = await import('../../scaffold/write-files.ts');
    const files = pluginFiles({ stepType: this.stepType, packageName, coreVersion: await rustchainVersion() });
    const { written, kept } = await writeScaffold(dir, files);
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ ok: true, dir, package: packageName, stepType: this.stepType, written, kept }, null, 2)}\n`);
    } else {
      for (const path of kept) this.context.stderr.write(`kept existing ${path}\n`);
      this.context.stdout.write(`created ${packageName} in ${dir}\n  cd ${dir}\n  npm install && npm test\n`);
    }
    return EXIT.ok;
  }
}
