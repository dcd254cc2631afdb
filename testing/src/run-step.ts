import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  checkPolicy, executeMission, PluginRegistry, resolvePolicy, validateMission,
  type DefinedPlugin, type Diagnostic, type PolicyConfig, type RunEvent, type StepError, type StepStatus,
} from '@rustchain/core';
import { tempDir } from './temp-dirs.ts';

/** How one test step runs. Everything is optional: the default is the no-config policy. */
export interface RunStepOptions {
  /** The policy, as `policy` in rustchain.config.ts (paths relative to the work dir). Default: read/write the work dir only. */
  policy?: PolicyConfig;
  /** Files to create in the work dir first: relative path → text. */
  files?: Record<string, string>;
  /** The environment the step sees (still filtered by `policy.env`). Default: none. */
  env?: Record<string, string>;
  /** The step's `timeout_seconds`. */
  timeoutSeconds?: number;
  /** Other plugins the step's mission may use (e.g. to produce an input). */
  plugins?: readonly DefinedPlugin[];
}

/** What one step did. A refusal by validation or policy has status `refused` and nothing ran. */
export interface StepRun {
  status: StepStatus | 'refused';
  outputs: Record<string, unknown>;
  error: StepError | null;
  /** Validation or policy diagnostics (for `refused`, the reasons). */
  diagnostics: Diagnostic[];
  /** The run's events, in order, as the ledger would receive them. */
  events: RunEvent[];
  /** The work dir (a real temp dir): relative paths in params resolve here. */
  dir: string;
  /** Reads a file the step left, relative to the work dir. */
  read(path: string): Promise<string>;
  /** True when something exists at the path (relative to the work dir). */
  exists(path: string): boolean;
}

/**
 * Runs one step of `plugin` with `params` the way `rustchain mission execute` would: the
 * mission is validated (params schema, templates), checked against the policy with the
 * plugin's claims, then executed by the real engine with the real capability guards, in a
 * fresh temp dir. A plugin test is then a few lines:
 *
 *     const run = await runStep(plugin, { path: 'out.txt' }, { files: { 'in.txt': 'x' } });
 *     assert.equal(run.status, 'succeeded');
 */
export async function runStep(plugin: DefinedPlugin, params: Record<string, unknown>, options: RunStepOptions = {}): Promise<StepRun> {
  const root = await tempDir('rustchain-step-');
  const dir = join(root, 'work');
  await mkdir(dir);
  for (const [path, text] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const registry = new PluginRegistry([plugin, ...(options.plugins ?? [])].map((definition) => ({
    definition, packageName: `test:${definition.type}`, version: '0.0.0', specifier: definition.type, packageDir: root, integrity: null,
  })));
  const step = { id: 'step', step_type: plugin.type, parameters: params, ...(options.timeoutSeconds === undefined ? {} : { timeout_seconds: options.timeoutSeconds }) };
  const missionFile = join(root, 'mission.json');
  await writeFile(missionFile, JSON.stringify({ name: `test ${plugin.type}`, steps: [step] }, null, 2));
  const base = {
    status: 'refused' as const, outputs: {}, error: null, events: [] as RunEvent[], dir,
    read: (path: string) => readFile(join(dir, path), 'utf8'),
    exists: (path: string) => existsSync(join(dir, path)),
  };
  const validation = await validateMission(missionFile, { registry });
  const isError = (d: Diagnostic): boolean => d.severity === 'error';
  if (validation.mission === null || validation.diagnostics.some(isError)) return { ...base, diagnostics: validation.diagnostics };
  const policy = resolvePolicy({
    cwd: dir, config: options.policy, configDir: dir, hasConfigFile: options.policy !== undefined, stateDir: join(root, 'state'),
  });
  const refusals = checkPolicy(validation.mission, registry, policy, { workDir: dir });
  if (refusals.some(isError)) return { ...base, diagnostics: [...validation.diagnostics, ...refusals] };
  const events: RunEvent[] = [];
  const result = await executeMission(validation.mission, {
    registry, policy, workDir: dir, stateDir: join(root, 'state'), env: options.env ?? {}, onEvent: (event) => events.push(event),
  });
  const only = result.steps[0];
  if (only === undefined) throw new Error('runStep: the run reported no step');
  return { ...base, status: only.status, outputs: only.outputs, error: only.error, diagnostics: validation.diagnostics, events };
}
