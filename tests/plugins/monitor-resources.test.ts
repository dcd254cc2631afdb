import assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import monitor from '@rustchain/plugin-monitor-resources';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { mission, step } from '../core/engine/helpers.ts';

const plugin = monitor as DefinedPlugin;
interface Snapshot {
  cpu: { count: number; model: string; load_average: number[]; usage_percent: number | null };
  memory: { total: number; free: number; used: number; percent: number };
  disk: { path: string; total: number; free: number; available: number; used: number; percent: number };
  uptime_seconds: number;
}

test('monitor_resources: real figures of this host, disk of the given path', async (t) => {
  const root = await tempDir(t);
  const began = Date.now();
  const out = (await plugin.run({ sample_ms: 100 } as never, ctxFor(root, policyFor(root)))) as Snapshot;
  assert.ok(Date.now() - began >= 90, 'the CPU usage was sampled');
  assert.ok(Value.Check(plugin.outputs, out), JSON.stringify([...Value.Errors(plugin.outputs, out)]));
  assert.equal(out.cpu.count, cpus().length);
  assert.ok(out.cpu.usage_percent !== null && out.cpu.usage_percent >= 0 && out.cpu.usage_percent <= 100);
  assert.equal(out.memory.total, totalmem());
  assert.equal(out.memory.used + out.memory.free, out.memory.total);
  const fs = statfsSync(root);
  assert.equal(out.disk.total, fs.blocks * fs.bsize);
  assert.equal(out.disk.path, root);
  assert.ok(out.disk.used >= 0 && out.disk.percent >= 0 && out.disk.percent <= 100);
  assert.ok(out.uptime_seconds > 0);
  const quick = (await plugin.run({ sample_ms: 0 } as never, ctxFor(root, policyFor(root)))) as Snapshot;
  assert.equal(quick.cpu.usage_percent, null);
});

test('monitor_resources: a path outside the read roots is refused; bad params fail the schema', async (t) => {
  const root = await tempDir(t);
  await rejectsWith(plugin.run({ path: '/etc' } as never, ctxFor(root, policyFor(root))), 'E_POLICY_PATH_DENIED');
  await rejectsWith(plugin.run({ path: 'missing/dir' } as never, ctxFor(root, policyFor(root))), 'E_FS_NOT_FOUND');
  assert.equal(Value.Check(plugin.params, { sample_ms: -1 }), false);
  assert.equal(Value.Check(plugin.params, { sample_ms: 60_000 }), false);
  assert.deepEqual(plugin.claims?.({} as never), [{ kind: 'read', path: '.', pointer: '/path' }]);
});

test('monitor_resources: runs through the engine with no parameters (the original form)', async (t) => {
  const root = await tempDir(t);
  const registry: StepTypeLookup = { get: (ty) => (ty === plugin.type ? { definition: plugin } : undefined), has: (ty) => ty === plugin.type, types: () => [plugin.type] };
  const result = await executeMission(mission([step('m', [], { type: 'monitor_resources', parameters: {}, timeoutSeconds: 10 })]), { registry, policy: policyFor(root), workDir: root, env: {} });
  assert.equal(result.status, 'succeeded', JSON.stringify(result.steps[0]?.error));
  assert.equal((result.steps[0]?.outputs as unknown as Snapshot).disk.path, root);
});

test('monitor_resources: a CPU sample longer than the step timeout is cut off with E_STEP_TIMEOUT (ctx.sleep), leaving no timer', async (t) => {
  const root = await tempDir(t);
  const registry: StepTypeLookup = { get: (ty) => (ty === plugin.type ? { definition: plugin } : undefined), has: (ty) => ty === plugin.type, types: () => [plugin.type] };
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const result = await executeMission(mission([step('m', [], { type: 'monitor_resources', parameters: { sample_ms: 10_000 }, timeoutSeconds: 0.05 })]), { registry, policy: policyFor(root), workDir: root, env: {} });
  assert.equal(result.steps[0]?.status, 'failed');
  assert.equal(result.steps[0]?.error?.code, 'E_STEP_TIMEOUT');
  assert.equal(timers(), before);
});
