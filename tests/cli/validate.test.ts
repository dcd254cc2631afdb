import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, REPO, runCli, tempProject } from './harness.ts';

interface DiagnosticsDoc {
  ok: boolean;
  diagnostics: Array<{ code: string; severity: string; message: string; file: string; line: number; column: number }>;
}

describe('rustchain mission validate', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  before(async () => {
    project = await tempProject({
      'ok.yaml': 'version: "1.0"\nname: ok\nsteps:\n  - id: a\n    step_type: noop\n  - id: b\n    step_type: noop\n    depends_on: [a]\n',
      'warn.yaml': 'version: "1.0"\nname: warn\nsteps:\n  - id: a\n    step_type: noop\n    colour: blue\n',
      'bad.yaml': 'version: "1.0"\nname: bad\nsteps:\n  - id: a\n    step_type: noop\n    depends_on: [ghost]\n',
    });
  });
  after(() => project.cleanup());

  it('the quickstart is valid: exit 0, --json { ok: true, diagnostics: [] }', async () => {
    const run = await runCli(['mission', 'validate', '--json', 'examples/quickstart.yaml'], { cwd: REPO, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    const doc = json<DiagnosticsDoc>(run);
    assert.equal(doc.ok, true);
    assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error'), []);
  });

  it('warnings alone exit 0 and are reported with their position', async () => {
    const run = await runCli(['mission', 'validate', '--json', 'warn.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    const doc = json<DiagnosticsDoc>(run);
    assert.equal(doc.ok, true);
    assert.ok(doc.diagnostics.length > 0);
    assert.ok(doc.diagnostics.every((d) => d.severity === 'warning'));
    assert.deepEqual([doc.diagnostics[0]?.code, doc.diagnostics[0]?.line, doc.diagnostics[0]?.column], ['E_SCHEMA_UNKNOWN_FIELD', 6, 5]);
  });

  it('an error exits 2; --json has exactly the contract fields, stdout holds only the document', async () => {
    const run = await runCli(['mission', 'validate', '--json', 'bad.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2);
    const doc = json<DiagnosticsDoc>(run);
    assert.equal(doc.ok, false);
    const d = doc.diagnostics.find((x) => x.code === 'E_DAG_UNKNOWN_DEP');
    assert.ok(d, JSON.stringify(doc));
    for (const key of ['code', 'severity', 'message', 'file', 'line', 'column'] as const) assert.ok(key in d, key);
    assert.equal(d.severity, 'error');
    assert.deepEqual([d.line, d.column], [6, 18]); // at `ghost`
  });

  it('text mode prints file:line:col: error CODE on stderr and nothing on stdout', async () => {
    const run = await runCli(['mission', 'validate', 'bad.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^bad\.yaml:6:18: error E_DAG_UNKNOWN_DEP: /m);
  });

  it('a missing file exits 2 with E_FILE_NOT_FOUND', async () => {
    const run = await runCli(['mission', 'validate', '--json', join(project.dir, 'nope.yaml')], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2);
    assert.deepEqual(json<DiagnosticsDoc>(run).diagnostics.map((d) => d.code), ['E_FILE_NOT_FOUND']);
  });
});
