import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkPolicy, executeMission, PluginRegistry, resolvePolicy, validateMission,
  type DefinedPlugin, type Diagnostic, type MissionResult, type PolicyConfig, type RunEvent,
} from '@rustchain/core';

/** Runs a mission text through load, validation, policy check and the engine, like the CLI (test helper of the llm tests). */
export async function runMissionText(
  t: { after(fn: () => Promise<void>): void },
  text: string,
  plugins: readonly DefinedPlugin[],
  options: { policy?: PolicyConfig; env?: Record<string, string>; settings?: Record<string, unknown> } = {},
): Promise<{ result: MissionResult | null; diagnostics: Diagnostic[]; events: RunEvent[]; dir: string }> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-llm-')));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'work');
  await mkdir(dir);
  const registry = new PluginRegistry(plugins.map((definition) => ({
    definition, packageName: `test:${definition.type}`, version: '0.0.0', specifier: definition.type, packageDir: root, integrity: null,
  })));
  const file = join(dir, 'mission.yaml');
  await writeFile(file, text);
  const validation = await validateMission(file, { registry });
  const errors = (d: Diagnostic): boolean => d.severity === 'error';
  if (validation.mission === null || validation.diagnostics.some(errors)) return { result: null, diagnostics: validation.diagnostics, events: [], dir };
  const policy = resolvePolicy({ cwd: dir, config: options.policy, configDir: dir, hasConfigFile: options.policy !== undefined, stateDir: join(root, 'state') });
  const refusals = checkPolicy(validation.mission, registry, policy, { workDir: dir });
  if (refusals.some(errors)) return { result: null, diagnostics: refusals, events: [], dir };
  const events: RunEvent[] = [];
  const result = await executeMission(validation.mission, {
    registry, policy, workDir: dir, env: options.env ?? {}, onEvent: (e) => events.push(e), ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  return { result, diagnostics: validation.diagnostics, events, dir };
}
