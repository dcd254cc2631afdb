import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import command from '../../../plugins/command/src/index.ts';
import noop from '../../../plugins/noop/src/index.ts';
import { executeMission } from '../../../core/src/engine/execute.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import type { Policy } from '../../../core/src/policy/types.ts';
import { mission, step } from './helpers.ts';

const plugins = new Map<string, { definition: DefinedPlugin }>([
  ['command', { definition: command as unknown as DefinedPlugin }],
  ['noop', { definition: noop as unknown as DefinedPlugin }],
]);
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()].sort() };

let workDir = '';
let policy: Policy;
before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'rustchain-engine-'));
  policy = { stepTypes: '*', commands: { allow: ['sleep', 'false'], shell: false }, fs: { read: [workDir], write: [workDir] }, net: { allow: [] }, env: { allow: [] } };
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('executor with the real command plugin', () => {
  it('a diamond whose two middle steps each run `sleep 1` finishes in under 1.6 s (they ran in parallel)', async () => {
    const sleep1 = { command: 'sleep', args: ['1'] };
    const steps = [
      step('start'),
      step('left', ['start'], { type: 'command', parameters: sleep1, timeoutSeconds: 30 }),
      step('right', ['start'], { type: 'command', parameters: sleep1, timeoutSeconds: 30 }),
      step('join', ['left', 'right']),
    ];
    const began = performance.now();
    const result = await executeMission(mission(steps), { registry, policy, workDir, env: { PATH: process.env['PATH'] } });
    const elapsed = performance.now() - began;
    assert.equal(result.status, 'succeeded', JSON.stringify(result.steps.map((s) => s.error)));
    assert.ok(elapsed < 1600, `took ${elapsed} ms`);
  });

  it('fail_fast kills a running `sleep 30` instead of waiting for it', async () => {
    const steps = [
      step('long', [], { type: 'command', parameters: { command: 'sleep', args: ['30'] }, timeoutSeconds: 60 }),
      step('broken', [], { type: 'command', parameters: { command: 'false' }, timeoutSeconds: 60 }),
    ];
    const began = performance.now();
    const result = await executeMission(mission(steps), { registry, policy, workDir, env: { PATH: process.env['PATH'] } });
    // Coarse: waiting for the `sleep 30` would take 30 s.
    const elapsed = performance.now() - began;
    assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
    assert.deepEqual(result.steps.map((s) => [s.id, s.status, s.error?.code]), [
      ['long', 'cancelled', 'E_STEP_CANCELLED'],
      ['broken', 'failed', 'E_COMMAND_EXIT_NONZERO'],
    ]);
  });
});
