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
import type { RunEvent } from '../../../core/src/engine/types.ts';
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
  it('a diamond whose two middle steps each run `sleep 1` runs them in parallel (both start before either ends)', async () => {
    const sleep1 = { command: 'sleep', args: ['1'] };
    const steps = [
      step('start'),
      step('left', ['start'], { type: 'command', parameters: sleep1, timeoutSeconds: 30 }),
      step('right', ['start'], { type: 'command', parameters: sleep1, timeoutSeconds: 30 }),
      step('join', ['left', 'right']),
    ];
    const order: string[] = [];
    const onEvent = (event: RunEvent): void => {
      if ('stepId' in event && (event.stepId === 'left' || event.stepId === 'right')) order.push(`${event.type} ${event.stepId}`);
    };
    const result = await executeMission(mission(steps), { registry, policy, workDir, env: { PATH: process.env['PATH'] }, onEvent });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.steps.map((s) => s.error)));
    // Order, not wall-clock time: a loaded machine stretches durations, never this order.
    const firstEnd = order.findIndex((entry) => entry.startsWith('step.succeeded'));
    assert.deepEqual(order.slice(0, firstEnd).sort(), ['step.started left', 'step.started right'], order.join(', '));
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
