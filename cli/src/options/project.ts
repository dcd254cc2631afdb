import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option } from 'clipanion';
import type { Project } from '@rustchain/core';
import { RustchainCommand } from '../commands/base.ts';

/** The CLI package's own directory: first-party plugins resolve from here without a config. */
const CLI_DIR = dirname(fileURLToPath(new URL('../../package.json', import.meta.url)));

/** Base for commands that need the project: `--config`, then config + plugins + state dir. */
export abstract class ProjectCommand extends RustchainCommand {
  /** Explicit config file instead of searching up from the working directory. */
  config = Option.String('--config', { description: 'Config file to use (default: nearest rustchain.config.{ts,mts,js,mjs,json})' });

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
}
