/**
 * Secrets: which env vars are secret, which plugin parameters are, and the run redactor
 * (whole value, encodings, PEM lines, min length), end to end through the executor + ledger.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import {
  auditPaths, createLedgerSink, createSecretRedactor, envSecrets, executeMission, isSecretEnvName, MIN_SECRET_LENGTH,
  openLedger, parsePolicyText, REDACTED, resolvePolicy, secretParamValues, verifyLedger,
} from '@rustchain/core';
import type { DefinedPlugin, Policy, StepTypeLookup } from '@rustchain/core';
import httpPlugin from '@rustchain/plugin-http';
import { mission, step } from '../engine/helpers.ts';

const base: Policy = { stepTypes: '*', commands: { allow: [], shell: false }, fs: { read: [], write: [] }, net: { allow: [] }, env: { allow: [] } };
const withEnv = (allow: readonly string[] | '*', secrets?: string[]): Policy => ({ ...base, env: { allow, ...(secrets ? { secrets } : {}) } });

const NAME_CASES: Array<[string, Policy, boolean]> = [
  ['GITHUB_TOKEN', withEnv([]), true],
  ['db_password', withEnv([]), true],
  ['OPENAI_API_KEY', withEnv([]), true],
  ['APIKEY', withEnv([]), true],
  ['SSH_PRIVATE_KEY', withEnv([]), true],
  ['AWS_SECRET_ACCESS_KEY', withEnv([]), true],
  ['GCP_CREDENTIALS', withEnv([]), true],
  ['HOME', withEnv([]), false],
  ['DEPLOY_KEY', withEnv([]), false],
  ['DEPLOY_KEY', withEnv([], ['DEPLOY_KEY']), true],
];
for (const [name, policy, secret] of NAME_CASES) {
  test(`env name ${name}${policy.env.secrets ? ' (declared)' : ''} is ${secret ? '' : 'not '}secret`, () => {
    assert.equal(isSecretEnvName(policy, name), secret);
  });
}

test('envSecrets: only variables the policy passes to steps, secret by name or declaration, set and non-empty', () => {
  const env = { MY_TOKEN: 'tok-1234', OTHER_TOKEN: 'tok-5678', DEPLOY_KEY: 'dk-0000', PLAIN: 'x', EMPTY_TOKEN: '' };
  assert.deepEqual(envSecrets(withEnv(['MY_TOKEN', 'DEPLOY_KEY', 'PLAIN', 'EMPTY_TOKEN'], ['DEPLOY_KEY']), env).map((s) => s.name), ['MY_TOKEN', 'DEPLOY_KEY']);
  assert.deepEqual(envSecrets(withEnv('*'), env).map((s) => s.name).sort(), ['MY_TOKEN', 'OTHER_TOKEN']);
});

test('policy: env.secrets from a policy file and the config survive --allow-all', () => {
  const loaded = parsePolicyText('env:\n  allow: [DEPLOY_KEY]\n  secrets: [DEPLOY_KEY]\n', 'p.yaml');
  assert.deepEqual(loaded.diagnostics, []);
  for (const allowAll of [false, true]) {
    const policy = resolvePolicy({ cwd: tmpdir(), config: loaded.policy ?? {}, hasConfigFile: true, flags: { allowAll } });
    assert.deepEqual(policy.env.secrets, ['DEPLOY_KEY']);
  }
  const bad = parsePolicyText('env:\n  secrets: DEPLOY_KEY\n', 'p.yaml');
  assert.deepEqual(bad.diagnostics.map((d) => [d.code, d.pointer, d.line]), [['E_POLICY_FILE_INVALID', '/env/secrets', 2]]);
});

test('secretParamValues: strings under `secret: true`, through objects, arrays, records and optionals', () => {
  const schema = Type.Object({
    url: Type.String(),
    token: Type.Optional(Type.String({ secret: true })),
    auth: Type.Object({ user: Type.String(), pass: Type.String({ secret: true }) }),
    keys: Type.Array(Type.String({ secret: true })),
    vault: Type.Record(Type.String(), Type.String({ secret: true })),
  });
  const values = secretParamValues(schema, { url: 'https://x', token: 't-1', auth: { user: 'u', pass: 'p-2' }, keys: ['k-3', 'k-4'], vault: { a: 'v-5' } });
  assert.deepEqual(values.sort(), ['k-3', 'k-4', 'p-2', 't-1', 'v-5']);
  assert.deepEqual(secretParamValues(schema, { url: 'https://x', auth: { user: 'u', pass: 'p-2' }, keys: [], vault: {} }), ['p-2']);
});

const PEM = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBbqmJyP1HcF5k8y0Lq3wq4kC8bFqJ0b6Y3Wc0m9XlQb\n-----END PRIVATE KEY-----';
const TOKEN = 'ghp_S3cr3t "quoted" T0ken+/=&x';
const FORMS: Array<[string, string]> = [
  ['raw', TOKEN],
  ['base64', Buffer.from(TOKEN).toString('base64')],
  ['base64 unpadded', Buffer.from(TOKEN).toString('base64').replace(/=+$/, '')],
  ['base64url', Buffer.from(TOKEN).toString('base64url')],
  ['URL-encoded', encodeURIComponent(TOKEN)],
  ['JSON-escaped', JSON.stringify(TOKEN).slice(1, -1)],
  ['PEM whole', PEM],
  ['PEM base64', Buffer.from(PEM).toString('base64')],
  ['PEM JSON-escaped (newlines as \\n)', JSON.stringify(PEM).slice(1, -1)],
  ['one PEM line on its own', (PEM.split('\n')[1] as string)],
];
for (const [name, form] of FORMS) {
  test(`redactor: the ${name} form is replaced by ***`, () => {
    const redactor = createSecretRedactor([TOKEN, PEM]);
    const out = redactor.text(`before ${form} after`);
    assert.equal(out.includes(form), false);
    assert.ok(out.includes(REDACTED));
  });
}

test(`redactor: secrets shorter than ${MIN_SECRET_LENGTH} characters are refused, never redacted`, () => {
  const redactor = createSecretRedactor();
  assert.deepEqual(redactor.add(['a', 'abc', 'abcd', '']), ['a', 'abc']);
  assert.equal(redactor.size, 1);
  assert.equal(redactor.text('a abc abcd'), `a abc ${REDACTED}`);
});

test('redactor: without secrets, values pass through untouched (same object)', () => {
  const value = { a: ['x'] };
  assert.equal(createSecretRedactor().value(value), value);
});

test('redactor property: no secret of ≥ 4 chars survives in raw, base64 or URL-encoded form', () => {
  fc.assert(
    fc.property(fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 24 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (secret, pre, post) => {
      const redactor = createSecretRedactor([secret]);
      for (const form of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)]) {
        const out = redactor.value({ text: `${pre}${form}${post}` }).text;
        assert.equal(out.includes(form), false, JSON.stringify({ secret, form, out }));
      }
    }),
    { numRuns: 300 },
  );
});

let server: http.Server;
let port = 0;
before(async () => {
  // Echoes the Authorization header back: the response body leaks the token.
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`you sent ${req.headers.authorization ?? 'nothing'}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('http bearer_token (secret: true) reaches the server, is learned by the run redactor, and never enters the ledger', async () => {
  const home = await mkdtemp(join(tmpdir(), 'rc-secret-param-'));
  try {
    const token = 'bearer-s3cret-from-an-env-template';
    const plugins = new Map([['http', { definition: httpPlugin as unknown as DefinedPlugin }]]);
    const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => ['http'] };
    const policy: Policy = { ...base, net: { allow: [`127.0.0.1:${port}`] }, env: { allow: ['AUTHZ_VALUE'] } };
    const redactor = createSecretRedactor();
    const sink = createLedgerSink(await openLedger(home), { redactor });
    // The token comes from a variable whose NAME is not secret: only the param marking covers it.
    // (A literal or vars-only value is in the mission for all to read: not a secret, E_SECRET_LITERAL.)
    const m = mission([step('call', [], { type: 'http', hasTemplates: true, parameters: { url: `http://127.0.0.1:${port}/x`, bearer_token: '${{ env.AUTHZ_VALUE }}' } })]);
    const result = await executeMission(m, { registry, policy, workDir: home, env: { AUTHZ_VALUE: token }, secrets: redactor, onEvent: (e) => sink.onEvent(e) });
    await sink.close();
    assert.equal(result.status, 'succeeded', JSON.stringify(result.steps[0]?.error));
    assert.ok(String(result.steps[0]?.outputs['body']).includes(token), 'the server saw the token');
    assert.equal(JSON.stringify(redactor.value(result)).includes(token), false);
    const ledger = await readFile(auditPaths(home).ledger, 'utf8');
    assert.equal(ledger.includes(token), false);
    assert.equal((await verifyLedger(home)).ok, true);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
