import { Option } from 'clipanion';
import type { Project } from '@rustchain/core';
import { RustchainCommand } from '../commands/base.ts';
import { CLI_DIR } from '../package-dir.ts';

/** Base for commands that need the project: `--config`, then config + plugins + state dir. */
export abstract class ProjectCommand extends RustchainCommand {
  /** Explicit config file instead of searching up from the working directory. */
  config = Option.String('--config', { description: 'Config file to use (default: nearest rustchain.config.{ts,mts,cts,js,mjs,cjs,json})' });

  /** The working directory of this invocation. */
  protected cwd(): string {
    return process.cwd();
  }

  /** Loads config, plugins and state dir; throws DiagnosticsError on a bad config. */
  protected async project(): Promise<Project> {
    const { loadProject } = await import('@rustchain/core');
    return loadProject({
      cwd: this.cwd(),
      builtinsFrom: CLI_DIR,
      ...(this.config === undefined ? {} : { configFile: this.config }),
    });
  }

  /** Config and state dir only, without loading plugins (audit commands that only read the ledger). */
  protected async projectState(): Promise<Omit<Project, 'registry'>> {
    const { loadProjectState } = await import('@rustchain/core');
    return loadProjectState({ cwd: this.cwd(), ...(this.config === undefined ? {} : { configFile: this.config }) });
  }
}
