import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { createLedgerSink, executeMission, openLedger, verifyLedger } from '@rustchain/core';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import { mission, OPEN_POLICY, step } from '../core/engine/helpers.ts';
import { json, runCli } from '../cli/harness.ts';
import { inProject, readLedger, SENTINEL_STEP } from './harness.ts';

/**
 * Issue 11, audit accuracy: the ledger says what a run was granted (`policy.granted`: config
 * and policy file digests, flags, effective policy), `audit report` shows grants and refused
 * invocations, and a step's recorded status is what happened (fail_fast).
 */

interface Report {
  runs: Array<{ runId: string; grant: Record<string, unknown> | null }>;
  refusals: Array<{ type: string; code: string | null; stepId: string | null }>;
}

test('every run records policy.granted (policy file digest, flags, effective policy) and audit report shows it', async () => {
  const policy = 'fs: { read: [.], write: [.] }\n';
  const mission = 'steps:\n  - id: a\n    step_type: noop\n';
  await inProject({ 'm.yaml': mission, 'p.yaml': policy }, ['mission', 'execute', 'm.yaml', '--policy', 'p.yaml', '--allow-net=example.com'], async (c) => {
    assert.equal(c.run.code, 0, c.run.stderr);
    const granted = c.ledger.filter((e) => e.type === 'policy.granted');
    assert.equal(granted.length, 1);
    const p = granted[0]!.payload;
    assert.match(String(p['policyFileSha256']), /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual((p['flags'] as Record<string, unknown>)['allowNet'], ['example.com']);
    assert.match(String(p['policySha256']), /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual((p['effective'] as { net: unknown }).net, ['example.com']);
    const text = await runCli(['audit', 'report'], { cwd: c.dir, home: c.home });
    assert.match(text.stdout, /policy granted: .*p\.yaml \(sha256:[0-9a-f]{64}\); flags: .*allowNet=example\.com/);
    assert.equal((await verifyLedger(c.home)).ok, true);
  });
});

test('a refused invocation (no run) is listed by audit report, with its code and step', async () => {
  const mission = `steps:\n  - id: evil\n    step_type: create_file\n    parameters: { path: /etc/evil, content: x }\n${SENTINEL_STEP}`;
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml'], async (c) => {
    assert.equal(c.run.code, 2);
    const report = json<Report>(await runCli(['audit', 'report', '--json'], { cwd: c.dir, home: c.home }));
    assert.deepEqual(report.refusals.map((r) => [r.type, r.code, r.stepId]), [['policy.decision', 'E_POLICY_PATH_DENIED', 'evil']]);
    const text = await runCli(['audit', 'report'], { cwd: c.dir, home: c.home });
    assert.match(text.stdout, /refused at seq \d+ .*policy denied E_POLICY_PATH_DENIED step evil/);
  });
});

test('fail_fast: a step whose plugin already returned is succeeded; a cancelled step says whether its side effect may have happened', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const effects: string[] = [];
  const plugin = (type: string, run: () => Promise<Record<string, unknown>>, effect: 'side-effect' | 'pure' = 'side-effect'): DefinedPlugin =>
    definePlugin({ type, description: type, params: Type.Object({}), outputs: Type.Object({}), capabilities: [], effect, run }) as unknown as DefinedPlugin;
  const plugins = new Map(
    [
      // Fails as soon as the gate opens.
      plugin('fails', async () => {
        await gate;
        throw new Error('boom');
      }, 'pure'),
      // Completes its write in the same turn, a few microtasks after the failure is processed.
      plugin('writes', async () => {
        await gate;
        for (let i = 0; i < 50; i++) await Promise.resolve();
        effects.push('written');
        return {};
      }),
      // Still running (ignores its signal) when the run stops.
      plugin('slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        effects.push('slow-finished');
        return {};
      }),
    ].map((p) => [p.type, { definition: p }]),
  );
  const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()] };
  const home = await mkdtemp(join(tmpdir(), 'rc-audit-acc-'));
  try {
    const sink = createLedgerSink(await openLedger(home));
    const m = mission(
      [step('a', [], { type: 'fails' }), step('b', [], { type: 'writes' }), step('c', [], { type: 'slow' }), step('d', ['c'], { type: 'slow' })],
      { failFast: true },
    );
    setImmediate(release);
    const result = await executeMission(m, { registry, policy: OPEN_POLICY, workDir: home, onEvent: (e) => sink.onEvent(e) });
    await sink.close();
    const by = Object.fromEntries(result.steps.map((s) => [s.id, s]));
    assert.deepEqual(effects, ['written']);
    assert.equal(by['a']?.status, 'failed');
    assert.equal(by['b']?.status, 'succeeded', 'its plugin returned: what happened is recorded');
    assert.equal(by['c']?.status, 'cancelled');
    assert.equal(by['c']?.error?.details?.['sideEffect'], 'possible');
    assert.equal(by['d']?.status, 'cancelled');
    assert.equal(by['d']?.error?.details?.['sideEffect'], 'none');
    const ledger = readLedger(home);
    assert.ok(ledger.some((e) => e.type === 'step.succeeded' && e.payload['stepId'] === 'b'));
    const cancelledC = ledger.find((e) => e.type === 'step.cancelled' && e.payload['stepId'] === 'c');
    assert.equal((cancelledC?.payload['error'] as { details?: Record<string, unknown> }).details?.['sideEffect'], 'possible');
    assert.equal((await verifyLedger(home)).ok, true);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
