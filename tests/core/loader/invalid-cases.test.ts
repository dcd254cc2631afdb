import { Type } from '@sinclair/typebox';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateMissionText, type ErrorCode, type StepTypeLookup } from '../../../core/src/index.ts';
import { FIRST_PARTY, fakePlugin, fakeRegistry } from './helpers.ts';

/** create_file with a real parameter schema and closed outputs, to exercise params/outputs checks. */
const strictRegistry: StepTypeLookup = fakeRegistry([
  ...FIRST_PARTY.filter((t) => t !== 'create_file').map((t) => fakePlugin(t)),
  fakePlugin('create_file', {
    params: Type.Object({ path: Type.String({ minLength: 1 }), content: Type.Optional(Type.String()), mode: Type.Optional(Type.Integer()) }),
    outputs: Type.Object({ path: Type.String(), bytes: Type.Integer() }),
  }),
]);

interface Case {
  name: string;
  text: string;
  file?: string;
  registry?: StepTypeLookup;
  code: ErrorCode;
  line: number;
  column: number;
  pointer?: string;
  severity?: 'error' | 'warning';
}

const S = 'steps:\n';
const cases: Case[] = [
  // parsing
  { name: 'bad indentation', text: `${S}  - id: a\n   step_type: noop\n`, code: 'E_YAML_PARSE', line: 3, column: 1 },
  { name: 'duplicate mapping key', text: `${S}  - id: a\n    step_type: noop\n    step_type: noop\n`, code: 'E_YAML_DUPLICATE_KEY', line: 4, column: 5 },
  { name: 'two documents', text: `${S}  - id: a\n    step_type: noop\n---\n${S}  - id: b\n    step_type: noop\n`, code: 'E_YAML_MULTI_DOC', line: 4, column: 1 },
  { name: 'custom tag', text: `${S}  - id: a\n    step_type: !python/object noop\n`, code: 'E_YAML_UNSUPPORTED_TAG', line: 3, column: 16 },
  { name: 'unknown alias', text: `${S}  - id: a\n    step_type: *nothing\n`, code: 'E_YAML_PARSE', line: 3, column: 16 },
  { name: 'strict JSON: trailing comma', file: 'm.json', text: '{\n  "steps": [\n    {"id": "a", "step_type": "noop"},\n  ]\n}\n', code: 'E_YAML_PARSE', line: 4, column: 3 },
  { name: 'strict JSON: comment', file: 'm.json', text: '{\n  // no comments in JSON\n  "steps": []\n}\n', code: 'E_YAML_PARSE', line: 2, column: 3 },
  { name: 'strict JSON: single quotes', file: 'm.json', text: "{\n  'steps': []\n}\n", code: 'E_YAML_PARSE', line: 2, column: 3 },
  { name: 'strict JSON: unterminated', file: 'm.json', text: '{\n  "steps": [\n', code: 'E_YAML_PARSE', line: 3, column: 1 },
  // input sanitisation
  { name: 'NUL byte', text: `${S}  - id: a\u0000\n    step_type: noop\n`, code: 'E_INPUT_ENCODING', line: 2, column: 10 },
  { name: 'unpaired surrogate', text: `${S}  - id: a\uD800\n    step_type: noop\n`, code: 'E_INPUT_ENCODING', line: 2, column: 10 },
  { name: 'BOM in the middle', text: `${S}  - id: a\n    step_type: \uFEFFnoop\n`, code: 'E_INPUT_ENCODING', line: 3, column: 16 },
  { name: 'raw control character', text: `${S}  - id: a\u0007b\n    step_type: noop\n`, code: 'E_INPUT_CONTROL_CHAR', line: 2, column: 10 },
  { name: 'bidi override in a step id', text: `${S}  - id: "ad\u202Emin"\n    step_type: noop\n`, code: 'E_INPUT_CONTROL_CHAR', line: 2, column: 9, pointer: '/steps/0/id' },
  { name: 'zero-width space in depends_on', text: `${S}  - id: a\n    step_type: noop\n  - id: b\n    step_type: noop\n    depends_on: ["a\u200B"]\n`, code: 'E_INPUT_CONTROL_CHAR', line: 6, column: 18, pointer: '/steps/1/depends_on/0' },
  { name: '__proto__ key at top level', text: `__proto__: { isAdmin: true }\n${S}  - id: a\n    step_type: noop\n`, code: 'E_SCHEMA_FORBIDDEN_KEY', line: 1, column: 1, pointer: '/__proto__' },
  { name: 'constructor key in parameters', text: `${S}  - id: a\n    step_type: noop\n    parameters:\n      constructor: { prototype: { isAdmin: true } }\n`, code: 'E_SCHEMA_FORBIDDEN_KEY', line: 5, column: 7, pointer: '/steps/0/parameters/constructor' },
  { name: '__proto__ through an alias', text: `base: &b { __proto__: { isAdmin: true } }\n${S}  - id: a\n    step_type: noop\n    parameters: *b\n`, code: 'E_SCHEMA_FORBIDDEN_KEY', line: 1, column: 12 },
  // schema
  { name: 'missing steps', text: 'name: nothing to do\n', code: 'E_SCHEMA_REQUIRED', line: 1, column: 1, pointer: '/steps' },
  { name: 'step without step_type', text: `${S}  - id: a\n`, code: 'E_SCHEMA_REQUIRED', line: 2, column: 5, pointer: '/steps/0/step_type' },
  { name: 'step without id', text: `${S}  - step_type: noop\n`, code: 'E_SCHEMA_REQUIRED', line: 2, column: 5, pointer: '/steps/0/id' },
  { name: 'step_type object without type', text: `${S}  - id: a\n    step_type: { kind: noop }\n`, code: 'E_SCHEMA_REQUIRED', line: 3, column: 16, pointer: '/steps/0/step_type/type' },
  { name: 'numeric id', text: `${S}  - id: 1\n    step_type: noop\n`, code: 'E_SCHEMA_TYPE', line: 2, column: 9, pointer: '/steps/0/id' },
  { name: 'steps is a mapping', text: 'steps:\n  a: 1\n', code: 'E_SCHEMA_TYPE', line: 2, column: 3, pointer: '/steps' },
  { name: 'top level is a list', text: '- id: a\n', code: 'E_SCHEMA_TYPE', line: 1, column: 1 },
  { name: 'parameters is a list', text: `${S}  - id: a\n    step_type: noop\n    parameters: [1, 2]\n`, code: 'E_SCHEMA_TYPE', line: 4, column: 17, pointer: '/steps/0/parameters' },
  { name: 'negative timeout', text: `${S}  - id: a\n    step_type: noop\n    timeout_seconds: -5\n`, code: 'E_SCHEMA_VALUE', line: 4, column: 22, pointer: '/steps/0/timeout_seconds' },
  { name: 'retry attempts 0', text: `${S}  - id: a\n    step_type: noop\n    retry: { attempts: 0 }\n`, code: 'E_SCHEMA_VALUE', line: 4, column: 24, pointer: '/steps/0/retry/attempts' },
  { name: 'typo inside retry is an error', text: `${S}  - id: a\n    step_type: noop\n    retry: { attempts: 2, jiter: true }\n`, code: 'E_SCHEMA_UNKNOWN_FIELD', line: 4, column: 27, pointer: '/steps/0/retry/jiter' },
  { name: 'typo of a step field is an error', text: `${S}  - id: a\n    step_type: noop\n    depend_on: []\n`, code: 'E_SCHEMA_UNKNOWN_FIELD', line: 4, column: 5, pointer: '/steps/0/depend_on' },
  { name: 'unknown step field is a warning', text: `${S}  - id: a\n    step_type: noop\n    tags: [x]\n`, code: 'E_SCHEMA_UNKNOWN_FIELD', line: 4, column: 5, severity: 'warning', pointer: '/steps/0/tags' },
  { name: 'legacy dependencies', text: `${S}  - id: a\n    step_type: noop\n  - id: b\n    step_type: noop\n    dependencies: [a]\n`, code: 'E_SCHEMA_LEGACY_FIELD', line: 6, column: 5, pointer: '/steps/1/dependencies' },
  { name: 'legacy timeout', text: `${S}  - id: a\n    step_type: noop\n    timeout: 5\n`, code: 'E_SCHEMA_LEGACY_FIELD', line: 4, column: 5 },
  { name: 'legacy step config', text: `${S}  - id: a\n    step_type: noop\n    config: { x: 1 }\n`, code: 'E_SCHEMA_LEGACY_FIELD', line: 4, column: 5 },
  { name: 'legacy retry_count', text: `${S}  - id: a\n    step_type: noop\n    retry_count: 2\n`, code: 'E_SCHEMA_LEGACY_FIELD', line: 4, column: 5 },
  { name: 'legacy config max_parallel', text: `config:\n  max_parallel: 2\n${S}  - id: a\n    step_type: noop\n`, code: 'E_SCHEMA_LEGACY_FIELD', line: 2, column: 3, pointer: '/config/max_parallel' },
  // graph
  { name: 'empty steps', text: 'steps: []\n', code: 'E_MISSION_EMPTY', line: 1, column: 8 },
  { name: 'duplicate id', text: `${S}  - id: a\n    step_type: noop\n  - id: a\n    step_type: noop\n`, code: 'E_DUPLICATE_STEP_ID', line: 4, column: 9, pointer: '/steps/1/id' },
  { name: 'unknown dependency', text: `${S}  - id: a\n    step_type: noop\n    depends_on: [b]\n`, code: 'E_DAG_UNKNOWN_DEP', line: 4, column: 18, pointer: '/steps/0/depends_on/0' },
  { name: 'self dependency', text: `${S}  - id: a\n    step_type: noop\n    depends_on:\n      - a\n`, code: 'E_DAG_SELF_DEP', line: 5, column: 9, pointer: '/steps/0/depends_on/0' },
  { name: 'two-step cycle', text: `${S}  - id: a\n    step_type: noop\n    depends_on: [b]\n  - id: b\n    step_type: noop\n    depends_on: [a]\n`, code: 'E_DAG_CYCLE', line: 7, column: 18, pointer: '/steps/1/depends_on/0' },
  // step types and parameters (registry given)
  { name: 'PascalCase step type', registry: strictRegistry, text: `${S}  - id: a\n    step_type: Command\n`, code: 'E_STEP_TYPE_UNKNOWN', line: 3, column: 16 },
  { name: 'typo in step type', registry: strictRegistry, text: `${S}  - id: a\n    step_type: { type: nop }\n`, code: 'E_STEP_TYPE_UNKNOWN', line: 3, column: 24, pointer: '/steps/0/step_type/type' },
  { name: 'RustChain type not installed', registry: strictRegistry, text: `${S}  - id: a\n    step_type: llm\n`, code: 'E_PLUGIN_NOT_INSTALLED', line: 3, column: 16 },
  { name: 'missing required parameter', registry: strictRegistry, text: `${S}  - id: a\n    step_type: create_file\n    parameters:\n      content: x\n`, code: 'E_PARAMS_INVALID', line: 5, column: 7, pointer: '/steps/0/parameters/path' },
  { name: 'parameter of the wrong type', registry: strictRegistry, text: `${S}  - id: a\n    step_type: create_file\n    parameters:\n      path: a.txt\n      mode: fast\n`, code: 'E_PARAMS_INVALID', line: 6, column: 13, pointer: '/steps/0/parameters/mode' },
  // templates
  { name: 'template syntax', text: `${S}  - id: a\n    step_type: noop\n    parameters:\n      x: "say \${{ steps.a }}"\n`, code: 'E_TEMPLATE_SYNTAX', line: 5, column: 15 },
  { name: 'template names a missing step', text: `${S}  - id: a\n    step_type: noop\n    parameters:\n      x: pre \${{ steps.zz.outputs.v }}\n`, code: 'E_TEMPLATE_UNKNOWN_STEP', line: 5, column: 14 },
  { name: 'template names a step that is not upstream', text: `${S}  - id: a\n    step_type: noop\n  - id: b\n    step_type: noop\n    parameters:\n      x: "\${{ steps.a.outputs.v }}"\n`, code: 'E_TEMPLATE_NOT_UPSTREAM', line: 7, column: 11 },
  { name: 'template names an undeclared var', text: `vars:\n  region: eu\n${S}  - id: a\n    step_type: noop\n    parameters:\n      x: |\n        \${{ vars.regoin }}\n`, code: 'E_TEMPLATE_UNKNOWN_VAR', line: 7, column: 10 },
  { name: 'template names an undeclared output', registry: strictRegistry, text: `${S}  - id: w\n    step_type: create_file\n    parameters: { path: a }\n  - id: r\n    step_type: noop\n    depends_on: [w]\n    parameters: { p: "\${{ steps.w.outputs.size }}" }\n`, code: 'E_TEMPLATE_UNKNOWN_OUTPUT', line: 8, column: 23 },
];

describe('validateMissionText: invalid inputs', () => {
  for (const c of cases) {
    it(`${c.code} at ${c.line}:${c.column} — ${c.name}`, () => {
      const result = validateMissionText(c.text, c.file ?? 'mission.yaml', { registry: c.registry ?? null });
      const found = result.diagnostics.find((d) => d.code === c.code);
      assert.ok(found, `expected ${c.code}, got ${JSON.stringify(result.diagnostics.map((d) => [d.code, d.line, d.column]))}`);
      assert.deepEqual({ line: found.line, column: found.column }, { line: c.line, column: c.column });
      assert.equal(found.severity, c.severity ?? 'error');
      assert.equal(found.file, c.file ?? 'mission.yaml');
      if (c.pointer !== undefined) assert.equal(found.pointer, c.pointer);
      if ((c.severity ?? 'error') === 'error') {
        assert.equal(result.ok, false);
        assert.equal(result.mission, null);
      } else {
        assert.equal(result.ok, true);
        assert.ok(result.mission);
      }
    });
  }
});
