import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRustchainError, migrateMissionText, validateMissionText } from '../../../core/src/index.ts';

const cases: Array<{ name: string; file: string; input: string; output: string; lines: number[] }> = [
  {
    name: 'step legacy keys, comments and quoting kept',
    file: 'm.yaml',
    input: [
      '# build pipeline',
      'steps:',
      '  - id: a',
      '    step_type: "CreateFile"   # the original wrote PascalCase',
      '    config: { path: a.txt }',
      '  - id: b',
      "    step_type: 'Command'",
      '    dependencies: [a]  # keep me',
      '    timeout: 30',
      '    retry_count: 2',
      '    on_failure: continue',
      '',
    ].join('\n'),
    output: [
      '# build pipeline',
      'steps:',
      '  - id: a',
      '    step_type: "create_file"   # the original wrote PascalCase',
      '    parameters: { path: a.txt }',
      '  - id: b',
      "    step_type: 'command'",
      '    depends_on: [a]  # keep me',
      '    timeout_seconds: 30',
      '    retry: { attempts: 3 }',
      '    continue_on_error: true',
      '',
    ].join('\n'),
    lines: [4, 5, 7, 8, 9, 10, 11],
  },
  {
    name: 'config max_parallel and step_type object form',
    file: 'm.yml',
    input: 'config:\n  max_parallel: 2\nsteps:\n  - id: t\n    step_type: { type: Tool }\n',
    output: 'config:\n  max_parallel_steps: 2\nsteps:\n  - id: t\n    step_type: { type: tool }\n',
    lines: [2, 5],
  },
  {
    name: 'JSON in, JSON out',
    file: 'm.json',
    input: '{\n  "steps": [\n    {"id": "a", "step_type": "Tool", "config": {"tool": "echo"}, "retry_count": 0, "on_failure": "abort"}\n  ]\n}\n',
    output: '{\n  "steps": [\n    {"id": "a", "step_type": "tool", "parameters": {"tool": "echo"}, "retry": {"attempts": 1}, "continue_on_error": false}\n  ]\n}\n',
    lines: [3, 3, 3, 3],
  },
  {
    name: 'nothing to do: text unchanged',
    file: 'm.yaml',
    input: 'steps:\n  - id: a\n    step_type: noop   # fine\n',
    output: 'steps:\n  - id: a\n    step_type: noop   # fine\n',
    lines: [],
  },
  {
    name: 'legacy key beside its modern counterpart is left alone; unknown PascalCase types too',
    file: 'm.yaml',
    input: 'steps:\n  - id: a\n    step_type: Policy\n    depends_on: []\n    dependencies: [b]\n',
    output: 'steps:\n  - id: a\n    step_type: Policy\n    depends_on: []\n    dependencies: [b]\n',
    lines: [],
  },
];

describe('migrateMissionText', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = migrateMissionText(c.input, c.file);
      assert.equal(result.text, c.output);
      assert.deepEqual(result.changes.map((ch) => ch.line), c.lines);
      for (const ch of result.changes) assert.ok(ch.column >= 1 && ch.description.length > 0);
    });
  }

  it('the migrated legacy mission validates; the original did not', () => {
    const input = cases[0]!.input;
    assert.ok(validateMissionText(input, 'm.yaml').diagnostics.some((d) => d.code === 'E_SCHEMA_LEGACY_FIELD'));
    const migrated = validateMissionText(migrateMissionText(input, 'm.yaml').text, 'm.yaml');
    assert.equal(migrated.ok, true);
    assert.deepEqual(migrated.mission?.steps[1]?.dependsOn, ['a']);
    assert.equal(migrated.mission?.steps[1]?.retry.attempts, 3);
  });

  it('is idempotent', () => {
    const once = migrateMissionText(cases[0]!.input, 'm.yaml').text;
    const twice = migrateMissionText(once, 'm.yaml');
    assert.equal(twice.text, once);
    assert.deepEqual(twice.changes, []);
  });

  it('refuses text that does not parse, with a coded error', () => {
    assert.throws(() => migrateMissionText('steps: [\n', 'm.yaml'), (e: unknown) => isRustchainError(e) && e.code === 'E_YAML_PARSE');
  });
});
