import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { MissionResult } from '../../core/src/engine/types.ts';
import { validateMissionText } from '../../core/src/loader/validate.ts';
import { checkPolicy } from '../../core/src/policy/check.ts';
import type { DefinedPlugin, StepContext, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import type { Policy } from '../../core/src/policy/types.ts';

/** Shared fixtures for the data and search step-type tests (parse_*, csv_process, validate_schema, file_search). */

/** Runs a plugin as the executor does: params checked against the schema, then run; outputs checked too. */
export async function runPlugin<T = Record<string, unknown>>(plugin: unknown, params: Record<string, unknown>, ctx: StepContext): Promise<T> {
  const p = plugin as DefinedPlugin;
  assert.ok(Value.Check(p.params, params), `params valid for ${p.type}: ${JSON.stringify([...Value.Errors(p.params, params)].map((e) => `${e.path}: ${e.message}`))}`);
  const out = await p.run(params as never, ctx);
  assert.ok(Value.Check(p.outputs, out), `outputs match the schema of ${p.type}: ${JSON.stringify([...Value.Errors(p.outputs, out)].map((e) => `${e.path}: ${e.message}`))}`);
  return out as T;
}

/** A registry of exactly `plugins`. */
export function registryOf(...plugins: unknown[]): StepTypeLookup {
  const map = new Map((plugins as DefinedPlugin[]).map((definition) => [definition.type, { definition }]));
  return { get: (t) => map.get(t), has: (t) => map.has(t), types: () => [...map.keys()].sort() };
}

/**
 * Runs mission YAML as the CLI does: load and validate with the registry, the static policy
 * check, then the real engine. Fails the test when validation or the policy check refuses.
 */
export async function runMissionText(yaml: string, registry: StepTypeLookup, policy: Policy, workDir: string): Promise<MissionResult> {
  const loaded = validateMissionText(yaml, 'mission.yaml', { registry });
  assert.ok(loaded.ok && loaded.mission, `mission validates: ${JSON.stringify(loaded.diagnostics)}`);
  const env = { PATH: process.env['PATH'], HOME: workDir };
  const denied = checkPolicy(loaded.mission, registry, policy, { workDir, env });
  assert.deepEqual(denied, [], 'the static policy check passes');
  return executeMission(loaded.mission, { registry, policy, workDir, env });
}

/** A StepContext whose capabilities record every call and do nothing (for pure plugins: proves none is used). */
export function recordingContext(calls: string[]): StepContext {
  const record = (name: string) =>
    new Proxy({}, {
      get: (_target, key) => (...args: unknown[]) => {
        calls.push(`${name}.${String(key)}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
        throw new Error(`${name}.${String(key)} must not be called`);
      },
    });
  // Any capability, present or added later, is a recorder: a pure plugin must touch none.
  const base = {
    runId: 'run-test',
    stepId: 'step-test',
    attempt: 1,
    signal: new AbortController().signal,
    workDir: '/nonexistent',
    log: { info: () => {}, warn: () => {} },
  };
  return new Proxy(base, {
    get: (target, key) => (key in target ? target[key as keyof typeof target] : record(String(key))),
  }) as unknown as StepContext;
}
