import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import command from '@rustchain/plugin-command';
import createFile from '@rustchain/plugin-create-file';
import httpPlugin from '@rustchain/plugin-http';
import noop from '@rustchain/plugin-noop';
import { executeMission } from '../../core/src/engine/execute.ts';
import { validateMissionText } from '../../core/src/loader/validate.ts';
import { checkStepParams } from '../../core/src/plugin/params-check.ts';
import { definePlugin, type DefinedPlugin } from '../../core/src/plugin/sdk.ts';
import { Type } from '@sinclair/typebox';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { mission, step } from '../core/engine/helpers.ts';
import { registryOf, runPlugin } from './data-helpers.ts';

/**
 * Compatibility of `http` with original missions (any-case methods, `expected_status`, keys the
 * original ignored), and one parameter check shared by `mission validate` and execution.
 */

const plugin = httpPlugin as DefinedPlugin;
let server: http.Server;
let port = 0;
const methods: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    methods.push(req.method ?? '');
    req.resume();
    req.on('end', () => {
      const status = Number(/^\/status\/(\d{3})$/.exec(req.url ?? '')?.[1] ?? 200);
      res.statusCode = status;
      res.end(`status ${status}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

async function context(t: { after(fn: () => Promise<void>): void }) {
  const root = await tempDir(t);
  return ctxFor(root, policyFor(root, { net: { allow: [`127.0.0.1:${port}`] } }));
}
const url = (path = '/') => `http://127.0.0.1:${port}${path}`;

for (const [written, sent] of [['get', 'GET'], ['Post', 'POST'], ['delete', 'DELETE'], ['pAtCh', 'PATCH']] as const) {
  test(`http: method \`${written}\` is sent as ${sent}`, async (t) => {
    const out = await runPlugin<{ status: number }>(plugin, { url: url(), method: written }, await context(t));
    assert.equal(out.status, 200);
    assert.equal(methods.at(-1), sent);
  });
}

test('http: a method that is not one of the six is still refused by the schema', () => {
  for (const method of ['TRACE', 'connect', 'GETX', '', 'G ET']) assert.equal(Value.Check(plugin.params, { url: 'http://x', method }), false, method);
});

const EXPECTED: Array<[string, number, unknown, string | null]> = [
  ['a 404 that is expected succeeds', 404, 404, null],
  ['a 404 in an expected list succeeds', 404, [200, 404], null],
  ['a 200 when 201 is expected fails', 200, 201, 'E_HTTP_STATUS'],
  ['a 500 not in the expected list fails', 500, [200, 204], 'E_HTTP_STATUS'],
  ['expected_status wins over fail_on_status: false', 503, 200, 'E_HTTP_STATUS'],
];

for (const [name, status, expected, code] of EXPECTED) {
  test(`http: expected_status — ${name}`, async (t) => {
    const params = { url: url(`/status/${status}`), expected_status: expected, fail_on_status: false };
    if (code === null) {
      assert.equal((await runPlugin<{ status: number }>(plugin, params, await context(t))).status, status);
    } else {
      const error = await rejectsWith(plugin.run(params as never, await context(t)), code);
      assert.equal(error.details['status'], status);
      assert.deepEqual(error.details['expected'], [expected].flat());
      assert.equal((error.details['outputs'] as { status: number }).status, status);
    }
  });
}

test('http: expected_status must be a status code or a non-empty list of them', () => {
  for (const bad of [99, 600, '200', [], [200, 'x']]) assert.equal(Value.Check(plugin.params, { url: 'http://x', expected_status: bad }), false, JSON.stringify(bad));
});

test('http: keys the original ignored are accepted (on_error, body_file, anything)', async (t) => {
  const out = await runPlugin<{ status: number }>(plugin, { url: url(), method: 'GET', on_error: 'continue', body_file: 'x.json', timeout_seconds: 5 }, await context(t));
  assert.equal(out.status, 200);
});

/** A step type with a closed schema: the case where validate and execute used to disagree. */
const closed = definePlugin({
  type: 'closed_params',
  description: 'test plugin with additionalProperties: false',
  params: Type.Object({ name: Type.String(), count: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
  outputs: Type.Object({ name: Type.String() }),
  capabilities: [],
  effect: 'pure',
  async run(p) {
    return { name: p.name };
  },
}) as unknown as DefinedPlugin;

const PARAMS: Array<[string, Record<string, unknown>]> = [
  ['valid', { name: 'a' }],
  ['valid with the optional key', { name: 'a', count: 2 }],
  ['an unknown key', { name: 'a', cuont: 2 }],
  ['a missing key', { count: 1 }],
  ['a value out of range', { name: 'a', count: -1 }],
  ['a wrong type', { name: 3 }],
];

for (const [name, parameters] of PARAMS) {
  test(`params check: validate and execute agree on ${name}`, async (t) => {
    const root = await tempDir(t);
    const registry = registryOf(closed);
    const yaml = `version: "1.0"\nname: m\nsteps:\n  - id: s\n    name: s\n    step_type: closed_params\n    parameters: ${JSON.stringify(parameters)}\n`;
    const validated = validateMissionText(yaml, 'm.yaml', { registry });
    const validateRefuses = validated.diagnostics.some((d) => d.code === 'E_PARAMS_INVALID');
    const result = await executeMission(mission([step('s', [], { type: 'closed_params', parameters })]), { registry, policy: policyFor(root), workDir: root, env: {} });
    const executeRefuses = result.steps[0]?.error?.code === 'E_PARAMS_INVALID';
    assert.equal(validateRefuses, executeRefuses, `validate ${validateRefuses}, execute ${executeRefuses}`);
    assert.equal(validateRefuses, checkStepParams(closed.params, parameters).length > 0);
    assert.equal(validateRefuses, !name.startsWith('valid'));
  });
}

test('params check: an unknown key is reported on the key, with a did-you-mean hint, and in the run error', async (t) => {
  const root = await tempDir(t);
  const registry = registryOf(closed);
  const yaml = 'version: "1.0"\nname: m\nsteps:\n  - id: s\n    name: s\n    step_type: closed_params\n    parameters:\n      name: a\n      coumt: 2\n';
  const validated = validateMissionText(yaml, 'm.yaml', { registry });
  const d = validated.diagnostics.find((x) => x.code === 'E_PARAMS_INVALID');
  assert.deepEqual({ line: d?.line, column: d?.column, pointer: d?.pointer, hint: d?.hint }, { line: 9, column: 7, pointer: '/steps/0/parameters/coumt', hint: 'did you mean `count`?' });
  const result = await executeMission(mission([step('s', [], { type: 'closed_params', parameters: { name: 'a', coumt: 2 } })]), { registry, policy: policyFor(root), workDir: root, env: {} });
  assert.deepEqual(result.steps[0]?.error?.details?.['errors'], [{ pointer: '/coumt', message: 'unknown field `coumt`' }]);
});

test('params check: an unknown key whose value is a template is still refused at validate time', () => {
  const yaml = 'version: "1.0"\nname: m\nsteps:\n  - id: a\n    name: a\n    step_type: closed_params\n    parameters: { name: x }\n  - id: s\n    name: s\n    step_type: closed_params\n    depends_on: [a]\n    parameters:\n      name: ${{ steps.a.outputs.name }}\n      extra: ${{ steps.a.outputs.name }}\n';
  const validated = validateMissionText(yaml, 'm.yaml', { registry: registryOf(closed) });
  assert.deepEqual(validated.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.pointer]), [['E_PARAMS_INVALID', '/steps/1/parameters/extra']]);
});

const CORPUS = '/work/shared/corpus/rustchain-missions';
const CORPUS_MISSIONS = ['api_integration', 'security_validation', 'showcase_workflow', 'successor-examples_api_integration'];

for (const name of CORPUS_MISSIONS) {
  test(`corpus ${name}.yaml: validates, and every http step's parameters pass the executor's check`, (t) => {
    let text: string;
    try {
      text = readFileSync(`${CORPUS}/${name}.yaml`, 'utf8');
    } catch {
      t.skip('corpus not available here');
      return;
    }
    const validated = validateMissionText(text, `${name}.yaml`, { registry: registryOf(httpPlugin, createFile, command, noop) });
    assert.ok(validated.ok && validated.mission, JSON.stringify(validated.diagnostics.filter((d) => d.severity === 'error')));
    const httpSteps = validated.mission.steps.filter((s) => s.type === 'http');
    assert.ok(httpSteps.length > 0);
    for (const s of httpSteps) assert.deepEqual(checkStepParams(plugin.params, s.parameters), [], s.id);
  });
}
