import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULTS, pluginPackageFor, RUSTCHAIN_STEP_TYPES, validateMission, validateMissionText } from '../../../core/src/index.ts';
import { fakePlugin, fakeRegistry, FIRST_PARTY, fixture } from './helpers.ts';

describe('loader: normalised mission', () => {
  it('fills every default for a minimal mission', async () => {
    const path = fixture('valid/minimal.yaml');
    const result = await validateMission(path);
    assert.equal(result.ok, true);
    const m = result.mission!;
    assert.equal(m.name, 'minimal');
    assert.equal(m.version, '1.0');
    assert.equal(m.description, null);
    assert.deepEqual(m.config, { failFast: true, timeoutSeconds: 300, maxParallelSteps: null });
    assert.deepEqual(m.vars, {});
    assert.deepEqual(m.source, { file: path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') });
    assert.deepEqual(m.steps, [
      {
        id: 'only', name: 'only', type: 'noop', parameters: {}, dependsOn: [], timeoutSeconds: 300, continueOnError: false,
        retry: { ...DEFAULTS.retry }, hasTemplates: false,
      },
    ]);
  });

  it('steps without parameters, dependencies or retry share one frozen value each; listed dependencies come once each', () => {
    const text = 'steps:\n  - id: a\n    step_type: noop\n  - id: b\n    step_type: noop\n  - id: c\n    step_type: noop\n    depends_on: [a, b, a]\n    parameters: { k: 1 }\n    retry: { attempts: 2 }\n';
    const result = validateMissionText(text, 'shared.yaml');
    assert.equal(result.ok, true);
    const [a, b, c] = result.mission!.steps;
    for (const field of ['parameters', 'dependsOn', 'retry'] as const) {
      assert.equal(a![field], b![field], field);
      assert.ok(Object.isFrozen(a![field]), field);
      assert.notEqual(c![field], a![field], field);
    }
    assert.throws(() => (a!.dependsOn as string[]).push('x'), TypeError);
    assert.deepEqual(c!.dependsOn, ['a', 'b']);
    assert.deepEqual(c!.retry, { ...DEFAULTS.retry, attempts: 2 });
    assert.deepEqual([a!.parameters, a!.dependsOn, a!.retry], [{}, [], { ...DEFAULTS.retry }]);
  });

  it('reads every field of a full mission', async () => {
    const registry = fakeRegistry(FIRST_PARTY.map((t) => fakePlugin(t)));
    const result = await validateMission(fixture('valid/diamond.yaml'), { registry });
    assert.deepEqual(result.diagnostics, []);
    const m = result.mission!;
    assert.deepEqual(m.config, { failFast: true, timeoutSeconds: 60, maxParallelSteps: 2 });
    assert.deepEqual(m.vars, { greeting: 'hello' });
    const [a, b, c, d] = m.steps;
    assert.equal(a?.name, 'Start');
    assert.equal(a?.timeoutSeconds, 60, 'config.timeout_seconds is the default');
    assert.equal(b?.timeoutSeconds, 10, 'the step overrides it');
    assert.deepEqual(b?.retry, { ...DEFAULTS.retry, attempts: 3, delaySeconds: 0.5 });
    assert.equal(c?.type, 'noop', 'step_type as {type} object');
    assert.equal(c?.continueOnError, true);
    assert.deepEqual(d?.dependsOn, ['b', 'c']);
    assert.equal(d?.hasTemplates, true);
    assert.equal(m.sourceMap['/steps/3/parameters/content']?.line, 30);
    assert.deepEqual(m.sourceMap['/steps/2/step_type/type'], { line: 22, column: 24 });
  });

  const inline: Array<[string, string, (m: NonNullable<ReturnType<typeof validateMissionText>['mission']>) => void]> = [
    ['legacy alias Tool → tool', 'steps: [{id: a, step_type: Tool}]', (m) => assert.equal(m.steps[0]?.type, 'tool')],
    ['parameters null → {}', 'steps: [{id: a, step_type: noop, parameters: null}]', (m) => assert.deepEqual(m.steps[0]?.parameters, {})],
    ['depends_on null → []; duplicates dropped', 'steps: [{id: a, step_type: noop, depends_on: null}, {id: b, step_type: noop, depends_on: [a, a]}]', (m) => {
      assert.deepEqual(m.steps[0]?.dependsOn, []);
      assert.deepEqual(m.steps[1]?.dependsOn, ['a']);
    }],
    ['config null and timeout null use defaults', 'config: null\nsteps: [{id: a, step_type: noop, timeout_seconds: null, continue_on_error: null}]', (m) => {
      assert.equal(m.steps[0]?.timeoutSeconds, 300);
      assert.equal(m.steps[0]?.continueOnError, false);
      assert.equal(m.config.failFast, true);
    }],
    ['numeric version keeps its spelling', 'version: 1.10\nsteps: [{id: a, step_type: noop}]', (m) => assert.equal(m.version, '1.10')],
    ['numeric version 2 → "2"', 'version: 2\nsteps: [{id: a, step_type: noop}]', (m) => assert.equal(m.version, '2')],
    ['timeout 0 means none and is kept', 'config: {timeout_seconds: 0}\nsteps: [{id: a, step_type: noop}]', (m) => assert.equal(m.steps[0]?.timeoutSeconds, 0)],
    ['fail_fast false', 'config: {fail_fast: false}\nsteps: [{id: a, step_type: noop}]', (m) => assert.equal(m.config.failFast, false)],
  ];
  for (const [name, text, check] of inline) {
    it(name, () => {
      const result = validateMissionText(text, 'inline.yaml');
      assert.equal(result.ok, true, JSON.stringify(result.diagnostics));
      check(result.mission!);
    });
  }

  it('JSON missions load through the same path', async () => {
    const result = await validateMission(fixture('valid/legacy-tool.json'));
    assert.equal(result.ok, true);
    assert.equal(result.mission?.steps[0]?.type, 'tool');
    assert.deepEqual(result.mission?.sourceMap['/steps/0/step_type'], { line: 5, column: 53 });
  });

  it('warnings do not block: ok with the mission and the warning', () => {
    const result = validateMissionText('tags: [x]\nsteps: [{id: a, step_type: noop}]', 'w.yaml');
    assert.equal(result.ok, true);
    assert.ok(result.mission);
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.severity, d.line]), [['E_SCHEMA_UNKNOWN_FIELD', 'warning', 1]]);
  });

  it('collects every problem, sorted by position', () => {
    const text = 'steps:\n  - id: a\n    step_type: noop\n    depends_on: [zz]\n  - id: a\n    step_type: noop\n    timeout: 3\n';
    const result = validateMissionText(text, 'many.yaml');
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line]), [
      ['E_DAG_UNKNOWN_DEP', 4], ['E_DUPLICATE_STEP_ID', 5], ['E_SCHEMA_LEGACY_FIELD', 7],
    ]);
  });

  it('knows the 51 original step types and their packages', () => {
    assert.equal(RUSTCHAIN_STEP_TYPES.length, 51);
    assert.equal(new Set(RUSTCHAIN_STEP_TYPES).size, 51);
    for (const t of RUSTCHAIN_STEP_TYPES) assert.match(t, /^[a-z]+(_[a-z]+)*$/);
    assert.equal(pluginPackageFor('create_file'), '@rustchain/plugin-create-file');
    assert.equal(pluginPackageFor('noop'), '@rustchain/plugin-noop');
  });
});
