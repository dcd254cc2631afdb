import { Command } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';

/** `rustchain plugins list`: the step types this project can run, and where they come from. */
export class PluginsListCommand extends ProjectCommand {
  static override paths = [['plugins', 'list']];

  static override usage = Command.Usage({
    category: 'Plugins',
    description: 'List the configured plugins and the step types they provide',
    details: `
      Plugins come from \`plugins\` in the nearest rustchain.config.* (or \`--config\`); without a config file,
      the first-party plugins are listed. Each line shows the step type, the package, its version and
      its declared capabilities.
    `,
    examples: [
      ['List the plugins of the current project', '$0 plugins list'],
      ['As JSON', '$0 plugins list --json'],
    ],
  });

  override async run(): Promise<number> {
    const project = await this.project();
    // The only command that describes every plugin: it imports them all.
    await project.registry.load('all');
    const plugins = project.registry.list().map((plugin) => ({
      type: plugin.definition.type,
      package: plugin.packageName,
      version: plugin.version,
      description: plugin.definition.description,
      capabilities: [...plugin.definition.capabilities],
      effect: plugin.definition.effect,
      packageDir: plugin.packageDir,
      integrity: plugin.integrity,
    }));
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ configFile: project.configFile, plugins }, null, 2)}\n`);
      return EXIT.ok;
    }
    const width = Math.max(4, ...plugins.map((p) => p.type.length));
    const packageWidth = Math.max(7, ...plugins.map((p) => p.package.length + p.version.length + 1));
    const source = project.configFile ?? 'built-in defaults (no rustchain.config.* found)';
    this.context.stdout.write(`plugins from ${source}\n`);
    for (const p of plugins) {
      const caps = p.capabilities.length === 0 ? 'no capabilities' : p.capabilities.join(', ');
      this.context.stdout.write(`  ${p.type.padEnd(width)}  ${`${p.package}@${p.version}`.padEnd(packageWidth)}  ${p.description} (${caps})\n`);
    }
    return EXIT.ok;
  }
}
