import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStepContext } from '../../../core/src/capabilities/context.ts';
import type { StepContext } from '../../../core/src/plugin/sdk.ts';
import type { Policy } from '../../../core/src/policy/types.ts';

/** Shared fixtures for capability, policy and plugin tests. */

/** A fresh real temp dir, removed after the test. */
export async function tempDir(t: { after(fn: () => Promise<void>): void }, prefix = 'rc-cap-'): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The no-config default policy for `root`, with overrides. */
export function policyFor(root: string, over: Partial<Policy> = {}): Policy {
  return {
    stepTypes: '*',
    commands: { allow: [], shell: false },
    fs: { read: [root], write: [root] },
    net: { allow: [] },
    env: { allow: [] },
    ...over,
  };
}

/** A real StepContext rooted at `workDir`. */
export function ctxFor(
  workDir: string,
  policy: Policy,
  options: { signal?: AbortSignal; env?: Record<string, string | undefined> } = {},
): StepContext {
  return createStepContext({
    runId: 'run-test',
    stepId: 'step-test',
    attempt: 1,
    signal: options.signal ?? new AbortController().signal,
    workDir,
    policy,
    env: options.env ?? process.env,
  });
}

/** Asserts that `promise` rejects with a RustchainError of `code`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<{ code: string; details: Record<string, unknown> }> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.equal((caught as { code?: string }).code, code, `expected ${code}, got ${String((caught as Error).message)}`);
  return caught as { code: string; details: Record<string, unknown> };
}
