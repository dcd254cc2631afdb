import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { MissionSchema } from '../../../core/src/model/mission.ts';
import { checkSchema, loadSchemaCompiler } from '../../../core/src/loader/schema-check.ts';
import command from '../../../plugins/command/src/index.ts';
import http from '../../../plugins/http/src/index.ts';
import noop from '../../../plugins/noop/src/index.ts';

/** Values shaped like missions, with random (often wrong) leaves and extra keys. */
const leaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 400 }), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }));
const stepArb = fc.record(
  {
    id: fc.oneof(fc.constantFrom('a', 'b', 'c'), leaf),
    step_type: fc.oneof(fc.constantFrom('noop', 'command'), fc.record({ type: fc.constantFrom('noop', 'x') }), leaf),
    parameters: fc.oneof(fc.constant({}), fc.dictionary(fc.constantFrom('command', 'args', 'url', 'x'), leaf, { maxKeys: 3 }), leaf),
    depends_on: fc.oneof(fc.array(fc.constantFrom('a', 'b'), { maxLength: 3 }), leaf),
    timeout_seconds: fc.oneof(fc.nat(1000), leaf),
    continue_on_error: fc.oneof(fc.boolean(), leaf),
    retry: fc.oneof(fc.record({ max_attempts: fc.nat(5) }), leaf),
    extra: leaf,
  },
  { requiredKeys: [] },
);
const missionArb = fc.record(
  { version: fc.oneof(fc.constant('1.0'), leaf), name: fc.oneof(fc.string({ maxLength: 5 }), leaf), steps: fc.oneof(fc.array(stepArb, { maxLength: 4 }), leaf), finally: fc.oneof(fc.array(stepArb, { maxLength: 2 }), leaf), config: fc.oneof(fc.dictionary(fc.constantFrom('max_parallel_steps', 'timeout_seconds', 'y'), leaf, { maxKeys: 2 }), leaf), vars: fc.oneof(fc.dictionary(fc.string({ maxLength: 3 }), leaf, { maxKeys: 2 }), leaf) },
  { requiredKeys: [] },
);

const schemas: Array<[string, TSchema, fc.Arbitrary<unknown>]> = [
  ['mission', MissionSchema, missionArb],
  ['command params', command.params as TSchema, fc.dictionary(fc.constantFrom('command', 'args', 'working_dir', 'timeout', 'env', 'x'), leaf, { maxKeys: 4 })],
  ['http params', http.params as TSchema, fc.dictionary(fc.constantFrom('url', 'method', 'headers', 'body', 'x'), leaf, { maxKeys: 4 })],
  ['noop params', noop.params as TSchema, fc.oneof(leaf, fc.dictionary(fc.string({ maxLength: 3 }), leaf, { maxKeys: 2 }))],
];

test('property: a compiled check accepts exactly what Value.Check accepts', () => {
  for (const [name, schema, arb] of schemas) {
    const compiled = TypeCompiler.Compile(schema);
    fc.assert(fc.property(arb, (value) => assert.equal(compiled.Check(value), Value.Check(schema, value), name)), { numRuns: 1500 });
  }
});

test('checkSchema reports the same problems before and after the compiler is loaded', async () => {
  const valid = [
    { version: '1.0', name: 'm', steps: [{ id: 'a', step_type: 'noop' }, { id: 'b', step_type: 'command', parameters: { command: 'ls' }, depends_on: ['a'] }] },
    { version: '1.0', name: 'm', steps: [{ id: 'a', step_type: 'noop', parameters: {} }], finally: [{ id: 'z', step_type: 'noop' }] },
  ];
  const samples = [...valid, ...fc.sample(missionArb, { numRuns: 400, seed: 42 })];
  const before = samples.map((value) => checkSchema(MissionSchema, value));
  assert.ok(before.some((problems) => problems.length === 0) && before.some((problems) => problems.length > 0));
  await loadSchemaCompiler();
  await loadSchemaCompiler(); // idempotent
  assert.deepEqual(samples.map((value) => checkSchema(MissionSchema, value)), before);
});
