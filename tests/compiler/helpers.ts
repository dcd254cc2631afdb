import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULTS, loadProject, type Mission, type MissionStep, type Project } from '@rustchain/core';
import { runCli, type CliRun } from '../cli/harness.ts';

/** The repository root: its node_modules resolve '@rustchain/*'. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let project: Promise<Project> | undefined;

/** The repo's project (config + first-party plugins), loaded once per test process. */
export function repoProject(): Promise<Project> {
  // Every plugin imported: these tests hand missions to the compiler without validating them.
  project ??= loadProject({ cwd: REPO_ROOT }).then(async (loaded) => {
    await loaded.registry.load('all');
    return loaded;
  });
  return project;
}

/** A step with defaults; `over` wins. */
export function step(id: string, type: string, over: Partial<MissionStep> = {}): MissionStep {
  return {
    id,
    name: id,
    type,
    parameters: {},
    dependsOn: [],
    timeoutSeconds: DEFAULTS.timeoutSeconds,
    continueOnError: false,
    retry: { ...DEFAULTS.retry },
    hasTemplates: false,
    ...over,
  };
}

/** A hand-built mission (no loader): `sourceMap` positions are whatever the test gives. */
export function mission(steps: MissionStep[], sourceMap: Mission['sourceMap'] = {}, file = 'mission.yaml'): Mission {
  return {
    source: { file, sha256: '0'.repeat(64) },
    version: '1.0',
    name: 'test',
    description: null,
    config: { failFast: true, timeoutSeconds: DEFAULTS.timeoutSeconds, maxParallelSteps: null },
    vars: {},
    steps,
    sourceMap,
  };
}

/** A three-step mission (write → read → copy) the CLI tests compile, run and bundle. */
export const CLI_MISSION = `version: "1.0"
name: e2e
steps:
  - id: write
    step_type: create_file
    parameters:
      path: hello.txt
      content: "hello"
  - id: read
    step_type: read_file
    depends_on: [write]
    parameters:
      path: hello.txt
  - id: copy
    step_type: create_file
    depends_on: [read]
    parameters:
      path: copy.txt
      content: "got \${{ steps.read.outputs.content }}"
`;

/** The `--json` document of a command that failed with diagnostics. */
export interface CliDiagnostics { ok: boolean; diagnostics: Array<{ code: string; line: number; column: number }> }
/** The `--json` document of a mission run. */
export interface CliRunResult { status: string; steps: Array<{ id: string; status: string; outputs: Record<string, unknown> }> }

/** A work dir holding `mission.yaml` (CLI_MISSION) and a state dir, and the CLI run inside it. */
export interface CliWorkdir {
  readonly dir: string;
  readonly home: string;
  cli(args: string[]): Promise<CliRun>;
}

/**
 * Registers before/after hooks that create and remove a CLI work dir. It lives inside the
 * repository (not os.tmpdir()) because a compiled module imports '@rustchain/*' by name: they
 * resolve through the repo's node_modules, as they would in a user's project.
 */
export function cliWorkdir(): CliWorkdir {
  const work = {
    dir: '',
    home: '',
    cli: (args: string[]) => runCli(args, { cwd: work.dir, home: work.home }),
  };
  before(async () => {
    work.dir = await mkdtemp(join(REPO_ROOT, 'tests', 'compiler', '.tmp-cli-'));
    work.home = join(work.dir, '.state');
    await writeFile(join(work.dir, 'mission.yaml'), CLI_MISSION);
  });
  after(async () => {
    await rm(work.dir, { recursive: true, force: true });
  });
  return work;
}
