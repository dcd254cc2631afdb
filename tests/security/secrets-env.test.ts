import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerSink, openLedger, redactSecrets, verifyLedger, REDACTED } from '@rustchain/core';
import { assertLedgerRecords, inProject, type CaseRun } from './harness.ts';

/** Catalogue E (29-31): secrets never reach the ledger; steps see only allowlisted env. */

const PEM = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBbqmJyP1HcF5k8y0Lq3wq4kC8bFqJ0b6Y3Wc0m9XlQb\n-----END PRIVATE KEY-----';
const TOKEN = 'ghp_S3cr3tT0kenValue+/=&x';

test('#29 secret echo: raw, base64, URL-encoded and a multi-line PEM are *** in the ledger, which verifies', async () => {
  const home = await mkdtemp(join(tmpdir(), 'rc-secret-'));
  try {
    const ledger = await openLedger(home);
    const sink = createLedgerSink(ledger, { secrets: [TOKEN, PEM] });
    const printed = [TOKEN, Buffer.from(TOKEN).toString('base64'), encodeURIComponent(TOKEN), PEM, Buffer.from(PEM).toString('base64')];
    sink.onEvent({ type: 'step.succeeded', runId: 'r1', stepId: 'leaky', attempt: 1, durationMs: 1, outputs: { stdout: printed.join('\n') } });
    sink.onEvent({ type: 'step.failed', runId: 'r1', stepId: 'leaky2', attempt: 1, durationMs: 1, error: { code: 'E_COMMAND_EXIT_NONZERO', message: `failed with ${TOKEN}` } });
    await sink.close();
    const text = await readFile(join(home, 'audit', 'ledger.jsonl'), 'utf8');
    for (const form of printed) assert.equal(text.includes(form), false, `ledger must not contain ${JSON.stringify(form.slice(0, 20))}...`);
    for (const line of PEM.split('\n').filter((l) => !l.startsWith('-----'))) assert.equal(text.includes(line), false);
    assert.ok(text.includes(REDACTED));
    assert.equal((await verifyLedger(home)).ok, true);
    // The same redaction applies to any value, e.g. an error message shown to the user.
    assert.equal(redactSecrets({ message: `token=${TOKEN}` }, [TOKEN]).message, `token=${REDACTED}`);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('#29 secret echo through a real run: printed raw, base64, URL-encoded, as a PEM and in a failing step — *** only in --json, stderr and ledger; verify ok', async () => {
  const b64 = (v: string): string => Buffer.from(v).toString('base64');
  const steps = [
    '  - id: raw\n    step_type: command\n    parameters: { command: printenv, args: [MY_TOKEN] }\n',
    `  - id: encoded\n    step_type: command\n    parameters: { command: echo, args: [${JSON.stringify(b64(TOKEN))}, ${JSON.stringify(encodeURIComponent(TOKEN))}] }\n`,
    '  - id: pem\n    step_type: command\n    parameters: { command: printenv, args: [SIGNING_PRIVATE_KEY] }\n',
    '  - id: failing\n    step_type: command\n    parameters: { command: printenv, args: [MY_TOKEN, NOT_SET_ANYWHERE] }\n',
  ].join('');
  const args = ['mission', 'execute', 'm.yaml', '--allow-run=printenv,echo', '--allow-env=MY_TOKEN,SIGNING_PRIVATE_KEY'];
  await inProject({ 'm.yaml': `config:\n  fail_fast: false\nsteps:\n${steps}` }, args, async (c: CaseRun) => {
    assert.equal(c.run.code, 1, c.run.stderr);
    assert.deepEqual((c.doc as unknown as RunDoc).steps.map((s) => s.status), ['succeeded', 'succeeded', 'succeeded', 'failed']);
    const ledger = await readFile(join(c.home, 'audit', 'ledger.jsonl'), 'utf8');
    const forms = [TOKEN, b64(TOKEN), encodeURIComponent(TOKEN), PEM, b64(PEM), ...PEM.split('\n').filter((l) => !l.startsWith('-----'))];
    for (const [where, text] of [['stdout', c.run.stdout], ['stderr', c.run.stderr], ['ledger', ledger]] as const) {
      for (const form of forms) assert.equal(text.includes(form), false, `${where} contains ${JSON.stringify(form.slice(0, 12))}...`);
    }
    assert.ok(c.run.stdout.includes(REDACTED) && ledger.includes(REDACTED));
    assert.equal((await verifyLedger(c.home)).ok, true);
  }, { MY_TOKEN: TOKEN, SIGNING_PRIVATE_KEY: PEM });
});

test('#29 a secret printed split across lines', { skip: 'known limit (as GitHub Actions add-mask): only whole values and their encodings are matched; a secret split by the step itself is not recognised' }, () => {});

interface RunDoc {
  steps: Array<{ id: string; status: string; outputs: Record<string, unknown>; error: { code: string } | null }>;
}

test('#30 env inheritance: host secrets never reach a child process', async () => {
  const hostSecrets = { AWS_SECRET_ACCESS_KEY: 'aws-secret', GITHUB_TOKEN: 'gh-token', NPM_TOKEN: 'npm-token', MY_APP_SECRET: 'app' };
  const mission = 'steps:\n  - id: show\n    step_type: command\n    parameters: { command: printenv }\n';
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', '--allow-run=printenv'], async (c: CaseRun) => {
    assert.equal(c.run.code, 0, c.run.stderr);
    const stdout = String((c.doc as unknown as RunDoc).steps[0]?.outputs['stdout']);
    const names = stdout.split('\n').filter((l) => l.includes('=')).map((l) => l.slice(0, l.indexOf('=')));
    for (const name of Object.keys(hostSecrets)) assert.equal(names.includes(name), false, `${name} leaked`);
    for (const value of Object.values(hostSecrets)) assert.equal(stdout.includes(value), false);
    // PWD: bubblewrap (the default sandbox where usable) sets it to the working directory.
    assert.deepEqual(names.filter((n) => !['PATH', 'HOME', 'LANG', 'PWD'].includes(n)), [], `only the baseline variables: ${names.join(',')}`);
    assert.equal((await verifyLedger(c.home)).ok, true);
  }, hostSecrets);
});

test('#30 LD_PRELOAD, NODE_OPTIONS and PATH overrides from the mission are E_POLICY_ENV_DENIED; nothing runs', async () => {
  const overrides = { LD_PRELOAD: '/tmp/evil.so', NODE_OPTIONS: '--require /tmp/evil.js', PATH: '/tmp/evil-bin' };
  const steps = Object.entries(overrides)
    .map(([k, v], i) => `  - id: o${i}\n    step_type: command\n    parameters: { command: touch, args: [sentinel.txt], env: { ${k}: ${JSON.stringify(v)} } }\n`)
    .join('');
  await inProject({ 'm.yaml': `config:\n  fail_fast: false\nsteps:\n${steps}` }, ['mission', 'execute', 'm.yaml', '--allow-run=touch'], async (c) => {
    assert.equal(c.run.code, 1, c.run.stderr);
    const codes = (c.doc as unknown as RunDoc).steps.map((s) => s.error?.code);
    assert.deepEqual(codes, ['E_POLICY_ENV_DENIED', 'E_POLICY_ENV_DENIED', 'E_POLICY_ENV_DENIED']);
    assert.equal(existsSync(join(c.dir, 'sentinel.txt')), false);
    await assertLedgerRecords(c, 'E_POLICY_ENV_DENIED');
    assert.equal(c.ledger.filter((e) => e.type === 'policy.decision' && e.payload['code'] === 'E_POLICY_ENV_DENIED').length, 3);
  });
});

