import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import parseYaml from '@rustchain/plugin-parse-yaml';
import validateSchema from '@rustchain/plugin-validate-schema';
import type { DefinedPlugin } from '../../core/src/plugin/sdk.ts';
import { policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { recordingContext, registryOf, runMissionText, runPlugin } from './data-helpers.ts';

const plugin = validateSchema as DefinedPlugin;

interface Out {
  valid: boolean;
  errors: Array<{ instancePath: string; schemaPath: string; keyword: string; message: string }>;
  value: unknown;
}

const PERSON = {
  type: 'object',
  required: ['name', 'age'],
  properties: { name: { type: 'string', minLength: 1 }, age: { type: 'integer', minimum: 0 }, email: { type: 'string', format: 'email' } },
  additionalProperties: false,
  'x-vendor-keyword': true,
};

test('validate_schema: valid JSON text against an object schema (unknown keywords ignored: strict off)', async () => {
  const calls: string[] = [];
  const out = await runPlugin<Out>(plugin, { data: '{"name": "Ann", "age": 30}', schema: PERSON }, recordingContext(calls));
  assert.deepEqual(out, { valid: true, errors: [], value: { name: 'Ann', age: 30 } });
  assert.deepEqual(calls, []);
});

test('validate_schema: invalid data fails the step with every error (allErrors) and the outputs attached', async () => {
  const error = await rejectsWith(plugin.run({ data: '{"age": -1, "extra": 1}', schema: PERSON } as never, recordingContext([])), 'E_VALIDATE_SCHEMA_INVALID');
  const outputs = error.details['outputs'] as Out;
  assert.equal(outputs.valid, false);
  assert.deepEqual(
    outputs.errors.map((e) => [e.instancePath, e.keyword]).sort(),
    [['', 'additionalProperties'], ['', 'required'], ['/age', 'minimum']],
  );
  assert.ok(outputs.errors.every((e) => typeof e.message === 'string' && e.schemaPath.startsWith('#')));
  assert.equal((error as unknown as { nonRetryable: boolean }).nonRetryable, true);
});

test('validate_schema: fail_on_invalid: false succeeds with valid: false', async () => {
  const out = await runPlugin<Out>(plugin, { data: '{"name": ""}', schema: PERSON, fail_on_invalid: false }, recordingContext([]));
  assert.equal(out.valid, false);
  assert.deepEqual(out.errors.map((e) => [e.instancePath, e.keyword]).sort(), [['', 'required'], ['/name', 'minLength']]);
});

const SHAPES: Array<[string, Record<string, unknown>, boolean]> = [
  ['data as an object value', { data: { name: 'Ann', age: 1 }, schema: PERSON }, true],
  ['data as a list value', { data: [1, 2], schema: { type: 'array', items: { type: 'integer' } } }, true],
  ['data as a number value', { data: 3, schema: { type: 'integer', maximum: 2 }, fail_on_invalid: false }, false],
  ['a string is JSON text: "\\"abc\\"" is the string abc', { data: '"abc"', schema: { type: 'string' } }, true],
  ['schema as JSON text', { data: '5', schema: '{"type": "number", "multipleOf": 5}' }, true],
  ['boolean schema true', { data: '{"anything": 1}', schema: true }, true],
  ['boolean schema false', { data: '1', schema: false, fail_on_invalid: false }, false],
  ['draft 2020-12 by $schema (prefixItems)', { data: '["a", 1]', schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{ type: 'string' }, { type: 'string' }] }, fail_on_invalid: false }, false],
  ['draft 2019-09 by $schema (unevaluatedProperties)', { data: '{"a": 1, "b": 2}', schema: { $schema: 'https://json-schema.org/draft/2019-09/schema', properties: { a: {} }, unevaluatedProperties: false }, fail_on_invalid: false }, false],
  ['a local $ref', { data: '{"child": {"n": "x"}}', schema: { $defs: { n: { type: 'object', properties: { n: { type: 'integer' } } } }, properties: { child: { $ref: '#/$defs/n' } } }, fail_on_invalid: false }, false],
];

for (const [name, params, valid] of SHAPES) {
  test(`validate_schema: ${name} → valid ${valid}`, async () => {
    assert.equal((await runPlugin<Out>(plugin, params, recordingContext([]))).valid, valid);
  });
}

const REFUSED: Array<[string, Record<string, unknown>, string, Record<string, unknown>?]> = [
  ['data that is not JSON text', { data: '{"a": 1,}', schema: {} }, 'E_VALIDATE_SCHEMA_DATA_SYNTAX', { line: 1, column: 9 }],
  ['a schema string that is not JSON', { data: '1', schema: '{type: number}' }, 'E_VALIDATE_SCHEMA_SCHEMA_SYNTAX', { line: 1, column: 2 }],
  ['a schema with a bad keyword value', { data: '1', schema: { type: 'nope' } }, 'E_VALIDATE_SCHEMA_BAD_SCHEMA'],
  ['a remote $ref (never fetched)', { data: '1', schema: { $ref: 'http://127.0.0.1:9/schema.json' } }, 'E_VALIDATE_SCHEMA_BAD_SCHEMA'],
  ['an unsupported draft', { data: '1', schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'number' } }, 'E_VALIDATE_SCHEMA_BAD_SCHEMA'],
  ['a schema string holding a list', { data: '1', schema: '[1]' }, 'E_VALIDATE_SCHEMA_BAD_SCHEMA'],
  ['a schema string with a __proto__ key', { data: '1', schema: '{"__proto__": {}}' }, 'E_VALIDATE_SCHEMA_SCHEMA_SYNTAX', { reason: 'E_SCHEMA_FORBIDDEN_KEY' }],
];

for (const [name, params, code, details] of REFUSED) {
  test(`validate_schema: ${name} fails with ${code}`, async () => {
    const calls: string[] = [];
    const error = await rejectsWith(plugin.run(params as never, recordingContext(calls)), code);
    for (const [key, value] of Object.entries(details ?? {})) assert.equal(error.details[key], value, key);
    assert.deepEqual(calls, [], 'nothing fetched, nothing read');
  });
}

test('validate_schema: data and schema are required; schema must be an object, boolean or string', () => {
  assert.equal(Value.Check(plugin.params, { schema: {} }), false);
  assert.equal(Value.Check(plugin.params, { data: '1' }), false);
  assert.equal(Value.Check(plugin.params, { data: '1', schema: 3 }), false);
  assert.equal(Value.Check(plugin.params, { data: null, schema: {}, legacy_key: 'x' }), true);
});

test('validate_schema: errors are capped at 100', async () => {
  const data = JSON.stringify(Array.from({ length: 500 }, () => 'x'));
  const out = await runPlugin<Out>(plugin, { data, schema: { type: 'array', items: { type: 'integer' } }, fail_on_invalid: false }, recordingContext([]));
  assert.equal(out.errors.length, 100);
});

test('validate_schema: through the real engine, fed a parse_yaml value by template; a mismatch fails its step', async (t) => {
  const root = await tempDir(t);
  const yaml = [
    'version: "1.0"',
    'name: validate',
    'config:',
    '  fail_fast: false',
    'steps:',
    '  - id: doc',
    '    name: Parse',
    '    step_type: parse_yaml',
    '    parameters:',
    '      content: |',
    '        name: web',
    '        replicas: 3',
    '  - id: ok',
    '    name: Valid',
    '    step_type: validate_schema',
    '    depends_on: [doc]',
    '    parameters:',
    '      data: ${{ steps.doc.outputs.value }}',
    '      schema: { type: object, required: [name, replicas], properties: { replicas: { type: integer, minimum: 1 } } }',
    '  - id: strict',
    '    name: Too strict',
    '    step_type: validate_schema',
    '    depends_on: [doc]',
    '    parameters:',
    '      data: ${{ steps.doc.outputs.value }}',
    '      schema: { type: object, properties: { replicas: { maximum: 2 } } }',
  ].join('\n');
  const result = await runMissionText(yaml, registryOf(parseYaml, plugin), policyFor(root), root);
  const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
  assert.deepEqual(byId['ok']?.outputs, { valid: true, errors: [], value: { name: 'web', replicas: 3 } });
  assert.equal(byId['strict']?.status, 'failed');
  assert.equal(byId['strict']?.error?.code, 'E_VALIDATE_SCHEMA_INVALID');
});
