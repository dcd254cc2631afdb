import type { ScaffoldFile } from './write-files.ts';

/** What `rustchain init` writes into a project. */
export interface ProjectScaffold {
  /** Plugin packages the config lists (the first-party ones installed with @rustchain/cli). */
  plugins: readonly string[];
  /** The config's file name (`rustchain.config.ts`). */
  configName: string;
}

/** rustchain.config.ts with every first-party plugin and a default-deny policy, commented. */
function configText(plugins: readonly string[]): string {
  return `// RustChain project config (https://github.com/Michael-A-Kuykendall/rustchain-community).
// Plugins are listed explicitly, never discovered; the policy denies every side effect it does
// not name. A run can widen it for one invocation with --allow-run/--allow-read/... flags.
import { defineConfig } from '@rustchain/core';

export default defineConfig({
  plugins: [
${plugins.map((name) => `    '${name}',`).join('\n')}
  ],
  policy: {
    // Which step types missions may use ('*' = every installed one).
    stepTypes: '*',
    // Programs a command step may run (argv[0] by name or path); none until you add them.
    commands: { allow: ['echo'], shell: false },
    // Paths are relative to this file: missions read and write only inside the project.
    fs: { read: ['.'], write: ['.'] },
    // Hosts (host or host:port) http and network steps may reach; none by default.
    net: { allow: [] },
    // Environment variables passed to steps; none by default.
    env: { allow: [] },
    // bwrap sandbox for command steps where it is installed.
    sandbox: 'preferred',
  },
});
`;
}

/** An example mission that runs as is under the config above. */
const EXAMPLE = `# yaml-language-server: $schema=../node_modules/@rustchain/core/schema/mission.schema.json
# Run it: npx rustchain mission execute missions/hello.yaml
version: "1.0"
name: hello
description: Writes a file, reads it back, and echoes what it read.
steps:
  - id: write
    step_type: create_file
    parameters:
      path: out/hello.txt
      content: "Hello from RustChain"
  - id: read
    step_type: read_file
    depends_on: [write]
    parameters:
      path: out/hello.txt
  - id: say
    step_type: command
    depends_on: [read]
    parameters:
      command: echo
      args: ["\${{ steps.read.outputs.content }}"]
`;

/** The files `rustchain init` writes (the .gitignore line is appended separately). */
export function projectFiles(options: ProjectScaffold): ScaffoldFile[] {
  return [
    { path: options.configName, text: configText(options.plugins) },
    { path: 'missions/hello.yaml', text: EXAMPLE },
  ];
}
