import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import generateEmbedding from '@rustchain/plugin-generate-embedding';
import ragAdd from '@rustchain/plugin-rag-add';
import ragQuery from '@rustchain/plugin-rag-query';
import similaritySearch from '@rustchain/plugin-similarity-search';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { MissionResult } from '../../core/src/engine/types.ts';
import type { Diagnostic } from '../../core/src/errors.ts';
import { validateMission } from '../../core/src/loader/validate.ts';
import type { DefinedPlugin } from '../../core/src/plugin/sdk.ts';
import { checkPolicy } from '../../core/src/policy/check.ts';
import { resolvePolicy } from '../../core/src/policy/resolve.ts';
import { PluginRegistry } from '../../core/src/registry/registry.ts';
import { tempDir } from '../core/capabilities/helpers.ts';

/** The embedding/RAG step types, run through the real loader, policy check and engine. */

const PLUGINS = [generateEmbedding, ragAdd, ragQuery, similaritySearch] as unknown as DefinedPlugin[];
const registry = new PluginRegistry(PLUGINS.map((definition) => ({
  definition, packageName: `test:${definition.type}`, version: '0.0.0', specifier: definition.type, packageDir: '/', integrity: null,
})));

/** A project dir with a state dir that outlives single runs (the store persists in it). */
export async function ragProject(t: Parameters<typeof tempDir>[0]): Promise<{ dir: string; stateDir: string; storeFile: string }> {
  const root = await tempDir(t, 'rc-rag-run-');
  const dir = join(root, 'work');
  await mkdir(dir);
  const stateDir = join(root, 'state');
  return { dir, stateDir, storeFile: join(stateDir, 'data', 'rag-vectors.sqlite') };
}

/** What one mission run did; `refused` when validation or the policy stopped it. */
export interface RagRun {
  result: MissionResult | null;
  diagnostics: Diagnostic[];
  /** Outputs by step id. */
  outputs: Record<string, Record<string, unknown>>;
  /** [id, status, error code] per step. */
  statuses: Array<[string, string, string | null]>;
}

let counter = 0;

/** Runs `steps` (mission steps as in YAML) in `project`, the network limited to `allowNet`. */
export async function runRag(
  project: { dir: string; stateDir: string },
  steps: Array<Record<string, unknown>>,
  options: { allowNet?: string[]; settings?: Record<string, unknown>; env?: Record<string, string>; withoutStateDir?: boolean; config?: Record<string, unknown> } = {},
): Promise<RagRun> {
  const file = join(project.dir, `mission-${++counter}.json`);
  await writeFile(file, JSON.stringify({ name: 'rag test', steps, config: { fail_fast: false, ...options.config } }, null, 2));
  const validation = await validateMission(file, { registry });
  const errors = (d: Diagnostic): boolean => d.severity === 'error';
  if (validation.mission === null || validation.diagnostics.some(errors)) return { result: null, diagnostics: validation.diagnostics, outputs: {}, statuses: [] };
  const policy = resolvePolicy({ cwd: project.dir, config: { net: { allow: options.allowNet ?? [] } }, configDir: project.dir, hasConfigFile: true, stateDir: project.stateDir });
  const refusals = checkPolicy(validation.mission, registry, policy, { workDir: project.dir, env: options.env ?? {} });
  if (refusals.some(errors)) return { result: null, diagnostics: refusals, outputs: {}, statuses: [] };
  const result = await executeMission(validation.mission, {
    registry, policy, workDir: project.dir, env: options.env ?? {},
    ...(options.withoutStateDir ? {} : { stateDir: project.stateDir }),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  return {
    result, diagnostics: [],
    outputs: Object.fromEntries(result.steps.map((s) => [s.id, s.outputs])),
    statuses: result.steps.map((s) => [s.id, s.status, s.error?.code ?? null]),
  };
}
