import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliInProcess } from './in-process.ts';

/**
 * The mistakes people make writing their first missions (issue 15), each caught by
 * `mission validate` with its code, the field path and line:col — and `compile` and `mission
 * execute` refusing the same file with the same diagnostic: what compile rejects, validate
 * rejects (and nothing is executed).
 */
const HEAD = 'version: "1.0"\nname: m\nsteps:\n';
const A = '  - id: a\n    step_type: noop\n';
const LS = '  - id: a\n    step_type: command\n    parameters:\n      command: ls\n';

interface Mistake {
  name: string;
  yaml: string;
  code: string;
  /** The field path printed (and `field` in --json); null for a syntax error with no field. */
  field: string | null;
  line: number;
  column: number;
}

const MISTAKES: Mistake[] = [
  // typos of known fields: errors with the fix
  { name: 'depens_on', yaml: `${HEAD}${A}  - id: b\n    step_type: noop\n    depens_on: [a]\n`, code: 'E_SCHEMA_UNKNOWN_FIELD', field: 'steps[1].depens_on', line: 8, column: 5 },
  { name: 'continue_on_eror', yaml: `${HEAD}${A}    continue_on_eror: true\n`, code: 'E_SCHEMA_UNKNOWN_FIELD', field: 'steps[0].continue_on_eror', line: 6, column: 5 },
  { name: 'retyr (transposed letters)', yaml: `${HEAD}${A}    retyr: { attempts: 2 }\n`, code: 'E_SCHEMA_UNKNOWN_FIELD', field: 'steps[0].retyr', line: 6, column: 5 },
  { name: 'timout_seconds', yaml: `${HEAD}${A}    timout_seconds: 5\n`, code: 'E_SCHEMA_UNKNOWN_FIELD', field: 'steps[0].timout_seconds', line: 6, column: 5 },
  { name: 'atempts inside retry', yaml: `${HEAD}${A}    retry:\n      atempts: 3\n`, code: 'E_SCHEMA_UNKNOWN_FIELD', field: 'steps[0].retry.atempts', line: 7, column: 7 },
  { name: 'config max_paralel_steps', yaml: `config:\n  max_paralel_steps: 2\n${HEAD}${A}`, code: 'E_SCHEMA_UNKNOWN_FIELD', field: 'config.max_paralel_steps', line: 2, column: 3 },
  { name: 'top-level varz', yaml: `varz:\n  x: 1\n${HEAD}${A}`, code: 'E_SCHEMA_UNKNOWN_FIELD', field: 'varz', line: 1, column: 1 },
  { name: 'step type comand', yaml: `${HEAD}  - id: a\n    step_type: comand\n`, code: 'E_STEP_TYPE_UNKNOWN', field: 'steps[0].step_type', line: 5, column: 16 },
  { name: 'PascalCase step type', yaml: `${HEAD}  - id: a\n    step_type: CreateFile\n`, code: 'E_STEP_TYPE_UNKNOWN', field: 'steps[0].step_type', line: 5, column: 16 },
  // wrong types and values
  { name: 'attempts: "three"', yaml: `${HEAD}${A}    retry:\n      attempts: "three"\n`, code: 'E_SCHEMA_TYPE', field: 'steps[0].retry.attempts', line: 7, column: 17 },
  { name: 'timeout_seconds: "10s"', yaml: `${HEAD}${A}    timeout_seconds: 10s\n`, code: 'E_SCHEMA_TYPE', field: 'steps[0].timeout_seconds', line: 6, column: 22 },
  { name: 'negative timeout', yaml: `${HEAD}${A}    timeout_seconds: -1\n`, code: 'E_SCHEMA_VALUE', field: 'steps[0].timeout_seconds', line: 6, column: 22 },
  { name: 'numeric id', yaml: `${HEAD}  - id: 1\n    step_type: noop\n`, code: 'E_SCHEMA_TYPE', field: 'steps[0].id', line: 4, column: 9 },
  { name: 'depends_on as a string', yaml: `${HEAD}${A}  - id: b\n    step_type: noop\n    depends_on: a\n`, code: 'E_SCHEMA_TYPE', field: 'steps[1].depends_on', line: 8, column: 17 },
  { name: 'fail_fast: "yes"', yaml: `config:\n  fail_fast: "yes"\n${HEAD}${A}`, code: 'E_SCHEMA_TYPE', field: 'config.fail_fast', line: 2, column: 14 },
  { name: 'parameters as a list', yaml: `${HEAD}${A}    parameters:\n      - command: ls\n`, code: 'E_SCHEMA_TYPE', field: 'steps[0].parameters', line: 7, column: 7 },
  { name: 'steps as a mapping', yaml: `${HEAD}  a:\n    step_type: noop\n`, code: 'E_SCHEMA_TYPE', field: 'steps', line: 4, column: 3 },
  { name: 'command args as a string', yaml: `${HEAD}${LS}      args: "-l x"\n`, code: 'E_PARAMS_INVALID', field: 'steps[0].parameters.args', line: 8, column: 13 },
  // missing things
  { name: 'missing id', yaml: `${HEAD}  - step_type: noop\n`, code: 'E_SCHEMA_REQUIRED', field: 'steps[0].id', line: 4, column: 5 },
  { name: 'missing step_type', yaml: `${HEAD}  - id: a\n`, code: 'E_SCHEMA_REQUIRED', field: 'steps[0].step_type', line: 4, column: 5 },
  { name: 'unknown key where the params schema is closed', yaml: `${HEAD}  - id: a\n    step_type: process_start\n    parameters:\n      command: sleep\n      wait_for:\n        prot: 8080\n`, code: 'E_PARAMS_INVALID', field: 'steps[0].parameters.wait_for.prot', line: 9, column: 9 },
  { name: 'args from a var holding a string', yaml: `vars:\n  flags: "-l x"\n${HEAD}${LS}      args: "\${{ vars.flags }}"\n`, code: 'E_PARAMS_INVALID', field: 'steps[0].parameters.args', line: 10, column: 13 },
  { name: 'command without its command', yaml: `${HEAD}  - id: a\n    step_type: command\n    parameters:\n      args: [x]\n`, code: 'E_PARAMS_INVALID', field: 'steps[0].parameters.command', line: 7, column: 7 },
  { name: 'no steps', yaml: 'version: "1.0"\nname: m\nsteps: []\n', code: 'E_MISSION_EMPTY', field: 'steps', line: 3, column: 8 },
  // ids and the graph
  { name: 'unknown dependency', yaml: `${HEAD}${A}  - id: b\n    step_type: noop\n    depends_on: [aa]\n`, code: 'E_DAG_UNKNOWN_DEP', field: 'steps[1].depends_on[0]', line: 8, column: 18 },
  { name: 'duplicate id', yaml: `${HEAD}${A}${A}`, code: 'E_DUPLICATE_STEP_ID', field: 'steps[1].id', line: 6, column: 9 },
  { name: 'depends on itself', yaml: `${HEAD}${A}    depends_on: [a]\n`, code: 'E_DAG_SELF_DEP', field: 'steps[0].depends_on[0]', line: 6, column: 18 },
  { name: 'cycle', yaml: `${HEAD}${A}    depends_on: [b]\n  - id: b\n    step_type: noop\n    depends_on: [a]\n`, code: 'E_DAG_CYCLE', field: 'steps[1].depends_on[0]', line: 9, column: 18 },
  // templates
  { name: 'template names no step', yaml: `${HEAD}${LS}  - id: b\n    step_type: noop\n    depends_on: [a]\n    parameters:\n      x: "\${{ steps.aa.outputs.stdout }}"\n`, code: 'E_TEMPLATE_UNKNOWN_STEP', field: 'steps[1].parameters.x', line: 12, column: 11 },
  { name: 'template step not upstream', yaml: `${HEAD}${LS}  - id: b\n    step_type: noop\n    parameters:\n      x: "\${{ steps.a.outputs.stdout }}"\n`, code: 'E_TEMPLATE_NOT_UPSTREAM', field: 'steps[1].parameters.x', line: 11, column: 11 },
  { name: 'template output typo', yaml: `${HEAD}${LS}  - id: b\n    step_type: noop\n    depends_on: [a]\n    parameters:\n      x: "\${{ steps.a.outputs.stdot }}"\n`, code: 'E_TEMPLATE_UNKNOWN_OUTPUT', field: 'steps[1].parameters.x', line: 12, column: 11 },
  { name: 'template unknown var', yaml: `vars:\n  who: me\n${HEAD}${A}    parameters:\n      x: "hi \${{ vars.whom }}"\n`, code: 'E_TEMPLATE_UNKNOWN_VAR', field: 'steps[0].parameters.x', line: 9, column: 14 },
  { name: 'template of an unsupported form', yaml: `${HEAD}${A}    parameters:\n      x: "\${{ foo }}"\n`, code: 'E_TEMPLATE_SYNTAX', field: 'steps[0].parameters.x', line: 7, column: 11 },
  { name: 'template not closed', yaml: `${HEAD}${A}    parameters:\n      x: "a \${{ vars.x }"\n`, code: 'E_TEMPLATE_SYNTAX', field: 'steps[0].parameters.x', line: 7, column: 13 },
  // misplaced keys and legacy forms
  { name: 'depends_on inside parameters', yaml: `${HEAD}${A}  - id: b\n    step_type: noop\n    parameters:\n      depends_on: [a]\n`, code: 'E_SCHEMA_UNKNOWN_FIELD', field: 'steps[1].parameters.depends_on', line: 9, column: 7 },
  { name: 'legacy dependencies', yaml: `${HEAD}${A}  - id: b\n    step_type: noop\n    dependencies: [a]\n`, code: 'E_SCHEMA_LEGACY_FIELD', field: 'steps[1].dependencies', line: 8, column: 5 },
  { name: 'duplicate key', yaml: `${HEAD}  - id: a\n    step_type: noop\n    step_type: command\n`, code: 'E_YAML_DUPLICATE_KEY', field: null, line: 6, column: 5 },
  { name: 'tab indentation', yaml: `${HEAD}  - id: a\n\tstep_type: noop\n`, code: 'E_YAML_PARSE', field: null, line: 5, column: 1 },
];

interface JsonDiagnostic {
  code: string;
  severity: string;
  line: number;
  column: number;
  field?: string;
  hint?: string;
}

const diagnosticsOf = (stdout: string): JsonDiagnostic[] => (JSON.parse(stdout) as { diagnostics: JsonDiagnostic[] }).diagnostics;

describe('authoring mistakes: validate reports them, compile and execute refuse them alike', () => {
  let root: string;
  const cwd = process.cwd();
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-mistakes-')));
    await mkdir(join(root, 'project'));
    await writeFile(join(root, 'project', 'package.json'), '{"name":"mistakes","private":true}');
    process.env['RUSTCHAIN_HOME'] = join(root, 'state');
    // No config above the project: the first-party step types, the no-config policy.
    process.chdir(join(root, 'project'));
  });
  after(async () => {
    process.chdir(cwd);
    await rm(root, { recursive: true, force: true });
  });

  it(`covers at least 25 mistakes (${MISTAKES.length})`, () => assert.ok(MISTAKES.length >= 25));

  it('what validate only warns about, compile accepts too (no TS2353 for an open params schema)', async () => {
    await writeFile('warn.yaml', `${HEAD}  - id: a\n    step_type: http\n    tags: [net]\n    parameters:\n      url: https://example.com/\n      methd: GET\n`);
    const validate = await cliInProcess(['mission', 'validate', '--json', 'warn.yaml']);
    assert.equal(validate.code, 0, validate.stdout);
    assert.deepEqual(diagnosticsOf(validate.stdout).map((d) => [d.code, d.severity, d.field]), [
      ['E_SCHEMA_UNKNOWN_FIELD', 'warning', 'steps[0].tags'],
      ['E_SCHEMA_UNKNOWN_FIELD', 'warning', 'steps[0].parameters.methd'],
    ]);
    const compiled = await cliInProcess(['compile', '--json', '-A', '-o', 'warn.mission.ts', 'warn.yaml']);
    assert.equal(compiled.code, 0, compiled.stdout + compiled.stderr);
    const strict = await cliInProcess(['compile', '--json', '--strict', '-A', '-o', 'strict.mission.ts', 'warn.yaml']);
    assert.equal(strict.code, 2, strict.stdout);
    assert.deepEqual(diagnosticsOf(strict.stdout).filter((d) => d.severity === 'error').map((d) => d.field), ['steps[0].tags', 'steps[0].parameters.methd']);
  });

  MISTAKES.forEach((m, i) => {
    it(`${m.name}: ${m.code} at ${m.field ?? '(syntax)'} ${m.line}:${m.column}`, async () => {
      const file = `m${i}.yaml`;
      await writeFile(file, m.yaml);
      const validate = await cliInProcess(['mission', 'validate', '--json', file]);
      assert.equal(validate.code, 2, validate.stdout + validate.stderr);
      const found = diagnosticsOf(validate.stdout).filter((d) => d.severity === 'error');
      const hit = found.find((d) => d.code === m.code);
      assert.ok(hit, `no ${m.code} in ${JSON.stringify(found)}`);
      assert.deepEqual([hit.field ?? null, hit.line, hit.column], [m.field, m.line, m.column]);

      // The text form names the field and shows the line with a caret under the column.
      const text = await cliInProcess(['mission', 'validate', file]);
      assert.match(text.stderr, new RegExp(`^${file}:${m.line}:${m.column}: error ${m.code}: ${m.field === null ? '' : `${m.field.replace(/[[\].]/g, '\\$&')}: `}`, 'm'));
      assert.match(text.stderr, new RegExp(`^ +${m.line} \\| .*\\n +\\| {${m.column}}\\^`, 'm'));

      for (const command of [['compile', '-o', `out${i}.mission.ts`], ['mission', 'execute']]) {
        const refused = await cliInProcess([...command, '--json', '-A', file]);
        assert.equal(refused.code, 2, `${command[0]}: ${refused.stdout}${refused.stderr}`);
        const same = diagnosticsOf(refused.stdout).find((d) => d.code === m.code && d.line === m.line && d.column === m.column);
        assert.ok(same, `${command.join(' ')} does not report ${m.code} at ${m.line}:${m.column}: ${refused.stdout}`);
      }
    });
  });
});

describe('a mistake only visible at run time (a templated value) still names its field', () => {
  let root: string;
  const cwd = process.cwd();
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-mistakes-rt-')));
    await mkdir(join(root, 'project'));
    await writeFile(join(root, 'project', 'package.json'), '{"name":"mistakes-rt","private":true}');
    process.env['RUSTCHAIN_HOME'] = join(root, 'state');
    process.chdir(join(root, 'project'));
  });
  after(async () => {
    process.chdir(cwd);
    await rm(root, { recursive: true, force: true });
  });

  it('args resolving to a string: E_PARAMS_INVALID naming parameters.args, nothing run', async () => {
    await writeFile('rt.yaml', `version: "1.0"\nname: rt\nsteps:\n  - id: a\n    step_type: command\n    parameters:\n      command: echo\n      args: [hi]\n  - id: b\n    step_type: command\n    depends_on: [a]\n    parameters:\n      command: ls\n      args: "\${{ steps.a.outputs.stdout }}"\n`);
    const validate = await cliInProcess(['mission', 'validate', '--json', 'rt.yaml']);
    assert.equal(validate.code, 0, validate.stdout);
    const run = await cliInProcess(['mission', 'execute', '--json', '--allow-run=echo,ls', 'rt.yaml']);
    assert.equal(run.code, 1, run.stderr);
    const step = (JSON.parse(run.stdout) as { steps: Array<{ id: string; error: { code: string; message: string } | null }> }).steps.find((s) => s.id === 'b');
    assert.equal(step?.error?.code, 'E_PARAMS_INVALID');
    assert.match(step.error.message, /parameters\.args: expected a list or null, got a string/);
  });
});
