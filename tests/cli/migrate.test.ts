import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, runCli, tempProject } from './harness.ts';

const LEGACY = `version: "1.0"
name: legacy
steps:
  - id: first
    name: First
    step_type: CreateFile
    parameters: { path: a.txt, content: hi }
  - id: second
    name: Second
    step_type: noop
    parameters: {}
    dependencies: [first]
`;

describe('rustchain mission migrate', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  before(async () => {
    project = await tempProject({ 'legacy.yaml': LEGACY, 'inplace.yaml': LEGACY });
  });
  after(() => project.cleanup());

  it('the legacy mission does not validate before migration (exit 2)', async () => {
    const run = await runCli(['mission', 'validate', 'legacy.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2);
  });

  it('prints the migrated text on stdout and each change with its position on stderr', async () => {
    const run = await runCli(['mission', 'migrate', 'legacy.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /step_type: create_file/);
    assert.match(run.stdout, /depends_on: \[first\]/);
    assert.match(run.stderr, /^legacy\.yaml:6:\d+: /m);
    assert.match(run.stderr, /^legacy\.yaml:12:\d+: /m);
    assert.equal(await readFile(join(project.dir, 'legacy.yaml'), 'utf8'), LEGACY);
  });

  it('--write rewrites the file, which then validates; --json reports the changes', async () => {
    const run = await runCli(['mission', 'migrate', '--write', '--json', 'inplace.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    const doc = json<{ changed: boolean; written: boolean; changes: Array<{ line: number }> }>(run);
    assert.equal(doc.changed, true);
    assert.equal(doc.written, true);
    assert.deepEqual(doc.changes.map((c) => c.line).sort((a, b) => a - b), [6, 12]);
    const validate = await runCli(['mission', 'validate', 'inplace.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(validate.code, 0, validate.stderr);
  });
});
