import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { MissionResult } from '../../core/src/engine/types.ts';
import type { DefinedPlugin, StepContext, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import type { Policy } from '../../core/src/policy/types.ts';
import { checkPolicy } from '../../core/src/policy/check.ts';
import { ctxFor, policyFor, tempDir } from '../core/capabilities/helpers.ts';
import { mission, step } from '../core/engine/helpers.ts';

/** Shared fixtures for the git and code step-type tests: real repositories in temp dirs. */

/** Runs real git in `cwd` with a fixed identity and no global config (the test's own setup, not the plugin's). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' },
  });
}

/** Writes `files` (relative path → content) under `root`, creating directories. */
export function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A fresh repository on `main` with user.name/email set and one commit of `files`. */
export async function repo(t: { after(fn: () => Promise<void>): void }, files: Record<string, string> = { 'README.md': '# r\n' }): Promise<string> {
  const root = await tempDir(t, 'rc-git-');
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.name', 'Test User');
  git(root, 'config', 'user.email', 'test@example.com');
  write(root, files);
  git(root, 'add', '--all');
  git(root, 'commit', '-q', '-m', 'initial');
  return root;
}

/** A policy with `root` readable and writable and `commands` allowed. */
export function allowing(root: string, ...commands: string[]): Policy {
  return policyFor(root, { commands: { allow: commands, shell: false } });
}

/** A step context whose children see PATH and a HOME without any git config. */
export function gitCtx(root: string, policy: Policy): StepContext {
  return ctxFor(root, policy, { env: { PATH: process.env['PATH'], HOME: root } });
}

/** Calls `plugin.run` after checking the params against its schema; checks the outputs too. */
export async function runPlugin<T = Record<string, unknown>>(plugin: unknown, params: Record<string, unknown>, ctx: StepContext): Promise<T> {
  const p = plugin as DefinedPlugin;
  assert.ok(Value.Check(p.params, params), `params match the schema: ${JSON.stringify([...Value.Errors(p.params, params)].map((e) => e.path))}`);
  const out = await p.run(params as never, ctx);
  assert.ok(Value.Check(p.outputs, out), `outputs match the schema: ${JSON.stringify([...Value.Errors(p.outputs, out)].map((e) => `${e.path}: ${e.message}`))}`);
  return out as T;
}

/**
 * Runs one step of `type` through the real engine, after the static policy check the CLI
 * runs first (its diagnostics are returned instead of running when it refuses).
 */
export async function runThroughEngine(
  plugin: unknown,
  parameters: Record<string, unknown>,
  policy: Policy,
  workDir: string,
  env: Record<string, string | undefined> = { PATH: process.env['PATH'], HOME: workDir },
): Promise<{ result: MissionResult | null; denied: string[] }> {
  const definition = plugin as DefinedPlugin;
  const registry: StepTypeLookup = {
    get: (t) => (t === definition.type ? { definition } : undefined),
    has: (t) => t === definition.type,
    types: () => [definition.type],
  };
  const m = mission([step('s', [], { type: definition.type, parameters, timeoutSeconds: 120 })]);
  const diagnostics = checkPolicy(m, registry, policy, { workDir, env });
  if (diagnostics.length > 0) return { result: null, denied: diagnostics.map((d) => d.code) };
  return { result: await executeMission(m, { registry, policy, workDir, env }), denied: [] };
}
