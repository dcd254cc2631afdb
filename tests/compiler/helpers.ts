import { fileURLToPath } from 'node:url';
import { DEFAULTS, loadProject, type Mission, type MissionStep, type Project } from '@rustchain/core';

/** The repository root: its node_modules resolve '@rustchain/*'. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let project: Promise<Project> | undefined;

/** The repo's project (config + first-party plugins), loaded once per test process. */
export function repoProject(): Promise<Project> {
  project ??= loadProject({ cwd: REPO_ROOT });
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
