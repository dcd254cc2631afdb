import { Type } from '@sinclair/typebox';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateMissionText, type StepTypeLookup } from '../../../core/src/index.ts';
import { FIRST_PARTY, fakePlugin, fakeRegistry } from './helpers.ts';

const registry: StepTypeLookup = fakeRegistry([
  ...FIRST_PARTY.filter((t) => t !== 'create_file').map((t) => fakePlugin(t)),
  fakePlugin('create_file', {
    params: Type.Object({ path: Type.String({ minLength: 1 }), content: Type.Optional(Type.String()) }),
    outputs: Type.Object({ path: Type.String(), bytes: Type.Integer() }),
  }),
]);

const MAIN = `steps:
  - id: build
    step_type: create_file
    parameters: { path: out.txt }
`;

const validate = (text: string) => validateMissionText(text, 'm.yaml', { registry });
const errors = (text: string) => validate(text).diagnostics.filter((d) => d.severity === 'error').map((d) => ({ code: d.code, pointer: d.pointer, line: d.line }));

describe('finally: section', () => {
  it('is normalised like steps, may depend on other finally steps and read main outputs', () => {
    const result = validate(`${MAIN}finally:
  - id: report
    step_type: create_file
    depends_on: [tidy]
    parameters: { path: report.txt, content: "built \${{ steps.build.outputs.path }}" }
  - id: tidy
    step_type: noop
`);
    assert.equal(result.ok, true, JSON.stringify(result.diagnostics));
    assert.deepEqual(result.mission?.finally?.map((s) => [s.id, s.dependsOn, s.hasTemplates]), [['report', ['tidy'], true], ['tidy', [], false]]);
    assert.equal(result.mission?.finally?.[0]?.timeoutSeconds, 300);
  });

  it('a mission without it has no finally list', () => {
    assert.equal(validate(MAIN).mission?.finally, undefined);
  });

  const cases: Array<{ name: string; text: string; expected: Array<{ code: string; pointer: string; line: number }> }> = [
    {
      name: 'an id already used in steps',
      text: `${MAIN}finally:\n  - id: build\n    step_type: noop\n`,
      expected: [{ code: 'E_DUPLICATE_STEP_ID', pointer: '/finally/0/id', line: 6 }],
    },
    {
      name: 'a dependency on a main step',
      text: `${MAIN}finally:\n  - id: f\n    step_type: noop\n    depends_on: [build]\n`,
      expected: [{ code: 'E_DAG_UNKNOWN_DEP', pointer: '/finally/0/depends_on/0', line: 8 }],
    },
    {
      name: 'a dependency on nothing',
      text: `${MAIN}finally:\n  - id: f\n    step_type: noop\n    depends_on: [nope]\n`,
      expected: [{ code: 'E_DAG_UNKNOWN_DEP', pointer: '/finally/0/depends_on/0', line: 8 }],
    },
    {
      name: 'a cycle among finally steps',
      text: `${MAIN}finally:\n  - id: f\n    step_type: noop\n    depends_on: [g]\n  - id: g\n    step_type: noop\n    depends_on: [f]\n`,
      expected: [{ code: 'E_DAG_CYCLE', pointer: '/finally/1/depends_on/0', line: 11 }],
    },
    {
      name: 'an unknown step type',
      text: `${MAIN}finally:\n  - id: f\n    step_type: no_such_type\n`,
      expected: [{ code: 'E_STEP_TYPE_UNKNOWN', pointer: '/finally/0/step_type', line: 7 }],
    },
    {
      name: 'parameters that do not match the plugin',
      text: `${MAIN}finally:\n  - id: f\n    step_type: create_file\n    parameters: { path: 3 }\n`,
      expected: [{ code: 'E_PARAMS_INVALID', pointer: '/finally/0/parameters/path', line: 8 }],
    },
    {
      name: 'a template naming an unknown output of a main step',
      text: `${MAIN}finally:\n  - id: f\n    step_type: create_file\n    parameters: { path: "\${{ steps.build.outputs.nope }}" }\n`,
      expected: [{ code: 'E_TEMPLATE_UNKNOWN_OUTPUT', pointer: '/finally/0/parameters/path', line: 8 }],
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} at its /finally position`, () => {
      assert.deepEqual(errors(c.text), c.expected);
    });
  }

  it('unknown keys in a finally step are warnings at /finally pointers', () => {
    const warnings = validate(`${MAIN}finally:\n  - id: f\n    step_type: noop\n    tags: [x]\n`).diagnostics.filter((d) => d.severity === 'warning');
    assert.deepEqual(warnings.map((d) => [d.code, d.pointer]), [['E_SCHEMA_UNKNOWN_FIELD', '/finally/0/tags']]);
  });
});
