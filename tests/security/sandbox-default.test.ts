import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePolicy, verifyLedger } from '@rustchain/core';
import { probeBwrap } from '../../core/src/sandbox/bwrap.ts';
import { runCli } from '../cli/harness.ts';
import { assertLedgerRecords, inProject, type CaseRun } from './harness.ts';

/**
 * Issue 11, sandbox by default where it works: with no `sandbox` in the policy, command steps
 * run in bubblewrap when it is usable; a `preferred` sandbox that falls back to unsandboxed
 * execution is a warning on stderr and a `sandbox.fallback` ledger event, never silent.
 * (The network of a sandboxed command: sandbox-network.test.ts.)
 */

interface RunDoc {
  steps: Array<{ id: string; status: string; error: { code: string } | null }>;
}

const bwrap = probeBwrap();
const skip = bwrap.available ? false : `bwrap is not usable here: ${bwrap.reason ?? ''}`;

test('with bwrap usable, a policy without `sandbox` resolves to preferred; --allow-all stays unsandboxed', { skip }, () => {
  assert.equal(resolvePolicy({ cwd: tmpdir(), hasConfigFile: false }).sandbox, 'preferred');
  assert.equal(resolvePolicy({ cwd: tmpdir(), hasConfigFile: true, config: { sandbox: 'off' } }).sandbox, 'off');
  assert.equal(resolvePolicy({ cwd: tmpdir(), hasConfigFile: false, flags: { allowAll: true } }).sandbox, undefined);
});

test('by default an allowed command runs sandboxed: it cannot read /etc/passwd or the host home', { skip }, async () => {
  const mission = 'steps:\n  - id: peek\n    step_type: command\n    parameters: { command: cat, args: [/etc/passwd] }\n';
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', '--allow-run=cat'], async (c: CaseRun) => {
    assert.equal(c.run.code, 1, c.run.stderr);
    assert.equal((c.doc as unknown as RunDoc).steps[0]?.error?.code, 'E_COMMAND_EXIT_NONZERO');
    assert.doesNotMatch(c.run.stdout, /root:x:0:0/);
    const grant = c.ledger.find((e) => e.type === 'policy.granted');
    assert.equal((grant?.payload['effective'] as { sandbox: string }).sandbox, 'preferred');
    await assertLedgerRecords(c, 'E_COMMAND_EXIT_NONZERO');
  });
});

test('sandbox: preferred without a usable bwrap: the command runs, with a stderr warning and a sandbox.fallback ledger event', async () => {
  // A PATH holding only `echo`: no bwrap to be found, so `preferred` must fall back.
  const bin = await mkdtemp(join(tmpdir(), 'rc-nobwrap-'));
  try {
    await symlink('/bin/echo', join(bin, 'echo'));
    const mission = 'steps:\n  - id: say\n    step_type: command\n    parameters: { command: echo, args: [hi] }\n';
    await inProject({ 'm.yaml': mission, 'p.yaml': 'sandbox: preferred\ncommands: { allow: [echo] }\n' }, ['mission', 'execute', 'm.yaml', '--policy', 'p.yaml'], async (c: CaseRun) => {
      assert.equal(c.run.code, 0, c.run.stderr);
      assert.match(c.run.stderr, /warning: step say: .*unsandboxed/);
      const fallback = c.ledger.filter((e) => e.type === 'sandbox.fallback');
      assert.equal(fallback.length, 1);
      assert.equal(fallback[0]?.payload['stepId'], 'say');
      assert.equal((await verifyLedger(c.home)).ok, true);
      const report = await runCli(['audit', 'report'], { cwd: c.dir, home: c.home, env: { PATH: bin } });
      assert.match(report.stdout, /sandbox fallback say: /);
    }, { PATH: bin });
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
});
