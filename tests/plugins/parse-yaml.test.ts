import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import parseYaml from '@rustchain/plugin-parse-yaml';
import { parseYamlValue } from '@rustchain/core/plugin';
import type { DefinedPlugin } from '../../core/src/plugin/sdk.ts';
import { policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { recordingContext, registryOf, runMissionText, runPlugin } from './data-helpers.ts';

const plugin = parseYaml as DefinedPlugin;

const VALID: Array<[string, string, unknown, string]> = [
  ['a mapping', 'name: demo\nreplicas: 3\ntags: [a, b]\nnested:\n  ok: true\n', { name: 'demo', replicas: 3, tags: ['a', 'b'], nested: { ok: true } }, 'object'],
  ['a list', '- 1\n- two\n', [1, 'two'], 'array'],
  ['a scalar', 'hello', 'hello', 'string'],
  ['YAML 1.2 booleans only (yes stays a string)', 'a: yes\nb: true\n', { a: 'yes', b: true }, 'object'],
  ['no timestamps (a date stays a string)', 'd: 2024-01-02\n', { d: '2024-01-02' }, 'object'],
  ['JSON text', '{"a": [1, null]}', { a: [1, null] }, 'object'],
  ['an empty document', '', null, 'null'],
  ['only comments', '# nothing here\n', null, 'null'],
  ['a few aliases', 'base: &b {x: 1}\nuse: *b\n', { base: { x: 1 }, use: { x: 1 } }, 'object'],
  ['a block scalar', 'text: |\n  line 1\n  line 2\n', { text: 'line 1\nline 2\n' }, 'object'],
];

for (const [name, content, value, type] of VALID) {
  test(`parse_yaml: ${name}`, async () => {
    const calls: string[] = [];
    assert.deepEqual(await runPlugin(plugin, { content }, recordingContext(calls)), { value, type });
    assert.deepEqual(calls, [], 'a pure step touches no capability');
  });
}

/** Nine levels of nine aliases each: 9^9 strings if expanded naively. */
function billionLaughs(): string {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

const INVALID: Array<[string, string, string, number, number]> = [
  ['a syntax error', 'a: [1, 2\nb: 3', 'E_YAML_PARSE', 2, 1],
  ['a duplicate key', 'a: 1\nb: 2\na: 3\n', 'E_YAML_DUPLICATE_KEY', 3, 1],
  ['a custom tag', 'f: !!js/function "function () {}"\n', 'E_YAML_UNSUPPORTED_TAG', 1, 4],
  ['a local tag', 'f: !shell "rm -rf /"\n', 'E_YAML_UNSUPPORTED_TAG', 1, 4],
  ['two documents', 'a: 1\n---\nb: 2\n', 'E_YAML_MULTI_DOC', 2, 1],
  ['a billion laughs', billionLaughs(), 'E_YAML_ALIAS_LIMIT', 3, 0],
  ['a __proto__ key', 'x:\n  __proto__:\n    polluted: true\n', 'E_SCHEMA_FORBIDDEN_KEY', 2, 3],
  ['a constructor key', 'constructor: 1\n', 'E_SCHEMA_FORBIDDEN_KEY', 1, 1],
  ['an unknown alias', 'a: *nope\n', 'E_YAML_PARSE', 1, 4],
  ['a non-scalar key', '? [a, b]\n: 1\n', 'E_SCHEMA_TYPE', 1, 3],
  ['too deep', `${'['.repeat(70)}${']'.repeat(70)}`, 'E_INPUT_TOO_DEEP', 1, 65],
  ['a raw control character', 'a: "x\u0007"\n', 'E_INPUT_CONTROL_CHAR', 1, 6],
];

for (const [name, content, code, line, column] of INVALID) {
  test(`parse_yaml: ${name} fails with ${code}${column > 0 ? ` at ${line}:${column}` : ''}`, async () => {
    const error = await rejectsWith(plugin.run({ content } as never, recordingContext([])), code);
    assert.equal(error.details['line'], line);
    if (column > 0) assert.equal(error.details['column'], column);
    assert.equal((error as unknown as { nonRetryable: boolean }).nonRetryable, true);
  });
}

test('parse_yaml: nothing reaches Object.prototype', async () => {
  await assert.rejects(plugin.run({ content: '__proto__:\n  polluted: true\n' } as never, recordingContext([])));
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('parse_yaml: parseYamlValue (SDK) honours maxBytes and names the source in the location', () => {
  assert.throws(() => parseYamlValue('a: 1234567890\n', { maxBytes: 4 }), (e: { code?: string }) => e.code === 'E_INPUT_TOO_LARGE');
  assert.throws(
    () => parseYamlValue('a: 1\na: 2\n', { source: 'data.json' }),
    (e: { code?: string; location?: { file: string; line: number } }) => e.code === 'E_YAML_DUPLICATE_KEY' && e.location?.file === 'data.json' && e.location.line === 2,
  );
  // A `.json` source name must not switch the reader to strict JSON.
  assert.deepEqual(parseYamlValue('a: 1', { source: 'data.json' }), { a: 1 });
});

test('parse_yaml: content is required', () => {
  assert.equal(Value.Check(plugin.params, {}), false);
  assert.equal(Value.Check(plugin.params, { content: 'a: 1', unknown_key: true }), true);
});

test('parse_yaml: through the real engine (block scalar content), and a bad document fails its step', async (t) => {
  const root = await tempDir(t);
  const yaml = [
    'version: "1.0"',
    'name: yaml',
    'steps:',
    '  - id: parse',
    '    name: Parse',
    '    step_type: parse_yaml',
    '    parameters:',
    '      content: |',
    '        service: web',
    '        ports: [80, 443]',
    '  - id: bomb',
    '    name: Bomb',
    '    step_type: parse_yaml',
    '    continue_on_error: true',
    '    parameters:',
    `      content: ${JSON.stringify(billionLaughs())}`,
  ].join('\n');
  const result = await runMissionText(yaml, registryOf(plugin), policyFor(root), root);
  const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
  assert.deepEqual(byId['parse']?.outputs, { value: { service: 'web', ports: [80, 443] }, type: 'object' });
  assert.equal(byId['bomb']?.status, 'failed');
  assert.equal(byId['bomb']?.error?.code, 'E_YAML_ALIAS_LIMIT');
});
