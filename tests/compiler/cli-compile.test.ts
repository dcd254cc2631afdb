import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { json } from '../cli/harness.ts';
import { cliWorkdir, type CliDiagnostics } from './helpers.ts';

// End-to-end through the real bin, in a work dir inside the repository (see cliWorkdir).

const work = cliWorkdir();
const cli = work.cli;

const BAD = [
  {
    name: 'append: "yes" on edit_file',
    yaml: 'steps:\n  - id: e\n    step_type: edit_file\n    parameters:\n      path: a.txt\n      append: "yes"\n',
    code: 'E_PARAMS_INVALID',
    line: 6,
  },
  {
    name: 'reference to an output the step type does not declare',
    yaml: 'steps:\n  - id: a\n    step_type: read_file\n    parameters: { path: a.txt }\n  - id: b\n    step_type: create_file\n    depends_on: [a]\n    parameters:\n      path: b.txt\n      content: "${{ steps.a.outputs.nope }}"\n',
    code: 'E_TEMPLATE_UNKNOWN_OUTPUT',
    line: 10,
  },
];

for (const c of BAD) {
  test(`compile fails with exit 2 at the YAML line: ${c.name}`, async () => {
    const file = `bad-${c.code}.yaml`;
    await writeFile(join(work.dir, file), c.yaml);
    const run = await cli(['compile', file, '-o', 'bad.mission.ts', '--json']);
    assert.equal(run.code, 2, run.stderr);
    const doc = json<CliDiagnostics>(run);
    assert.equal(doc.ok, false);
    assert.ok(doc.diagnostics.some((d) => d.code === c.code && d.line === c.line), JSON.stringify(doc.diagnostics));
  });
}

test('mission plan: waves, critical path and makespan as json; mermaid and dot render', async () => {
  const plan = await cli(['mission', 'plan', 'mission.yaml', '--format', 'json']);
  assert.equal(plan.code, 0, plan.stderr);
  const doc = json<{ waves: string[][]; criticalPath: string[]; estimatedMakespanSeconds: number }>(plan);
  assert.deepEqual(doc.waves, [['write'], ['read'], ['copy']]);
  assert.deepEqual(doc.criticalPath, ['write', 'read', 'copy']);
  assert.equal(doc.estimatedMakespanSeconds, 900);
  const mermaid = await cli(['mission', 'plan', 'mission.yaml', '--format', 'mermaid']);
  assert.match(mermaid.stdout, /^flowchart TD\n/);
  const dot = await cli(['mission', 'plan', 'mission.yaml', '--format', 'dot']);
  assert.match(dot.stdout, /^digraph mission \{\n/);
});

