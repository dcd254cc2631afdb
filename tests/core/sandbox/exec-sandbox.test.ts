import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { realpathSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStepContext, probeBwrap, type Policy } from '@rustchain/core';

const probe = probeBwrap();

function policy(root: string, sandbox: Policy['sandbox']): Policy {
  return {
    stepTypes: '*',
    commands: { allow: ['cat', 'touch', 'sh'], shell: false },
    fs: { read: [root], write: [root] },
    net: { allow: [] },
    env: { allow: [] },
    ...(sandbox ? { sandbox } : {}),
  };
}

test('ctx.exec under policy.sandbox required runs inside bwrap: outside files are invisible', { skip: probe.available ? false : `bwrap unusable: ${probe.reason}` }, async () => {
  const base = realpathSync(await mkdtemp(join(tmpdir(), 'rc-exec-sbx-')));
  const root = join(base, 'work');
  await mkdir(root);
  await writeFile(join(base, 'secret.txt'), 'top secret');
  try {
    const ctx = createStepContext({ runId: 'r', stepId: 's', attempt: 1, signal: new AbortController().signal, workDir: root, policy: policy(root, 'required'), env: process.env });
    // The host can read the file, so a failure here is the namespace, not the policy of cat.
    const outside = await ctx.exec.run(['cat', join(base, 'secret.txt')]);
    assert.notEqual(outside.exitCode, 0);
    assert.doesNotMatch(outside.stdout, /top secret/);
    const inside = await ctx.exec.run(['touch', 'made-inside']);
    assert.equal(inside.exitCode, 0);
    assert.equal(existsSync(join(root, 'made-inside')), true);
    // Without the sandbox the same read succeeds (the refusal above came from bwrap).
    const plain = createStepContext({ runId: 'r', stepId: 's', attempt: 1, signal: new AbortController().signal, workDir: root, policy: policy(root, 'off'), env: process.env });
    assert.equal((await plain.exec.run(['cat', join(base, 'secret.txt')])).stdout, 'top secret');
    assert.equal(await readFile(join(base, 'secret.txt'), 'utf8'), 'top secret');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('a step cannot opt out of a required sandbox', async () => {
  const base = realpathSync(await mkdtemp(join(tmpdir(), 'rc-exec-sbx-')));
  try {
    const ctx = createStepContext({ runId: 'r', stepId: 's', attempt: 1, signal: new AbortController().signal, workDir: base, policy: policy(base, 'required'), env: process.env });
    await assert.rejects(ctx.exec.run(['touch', 'x'], { sandbox: 'none' }), { code: 'E_POLICY_LIMIT' });
    assert.equal(existsSync(join(base, 'x')), false);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('a sandboxed session (ctx.exec.open) carries the guard token in bwrap\'s environment, not in the command\'s', { skip: probe.available ? false : `bwrap unusable: ${probe.reason}` }, async () => {
  const base = realpathSync(await mkdtemp(join(tmpdir(), 'rc-exec-sbx-')));
  try {
    const ctx = createStepContext({ runId: 'r', stepId: 's', attempt: 1, signal: new AbortController().signal, workDir: base, policy: policy(base, 'required'), env: process.env });
    // The command prints its own environment's guard variable (empty: bwrap unset it), then waits on stdin.
    const session = await ctx.exec.open(['sh', '-c', 'echo "guard=[${RUSTCHAIN_GUARD:-}]"; cat']);
    try {
      let said = '';
      const deadline = Date.now() + 10_000;
      session.onOutput((chunk) => (said += chunk));
      while (!said.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(said.trim(), 'guard=[]', 'the command itself does not see the token');
      // bwrap (the session's process) does carry it: the guardian can find it if the CLI dies before tracking it.
      const environ = await readFile(`/proc/${session.pid}/environ`, 'utf8');
      assert.match(environ, /(^|\0)RUSTCHAIN_GUARD=\d+-[0-9a-f]{16}(\0|$)/);
    } finally {
      await session.close();
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
