import assert from 'node:assert/strict';
import { test } from 'node:test';
import { json, runCli, tempProject } from './harness.ts';

// A --json document of several MB written to a pipe arrives whole: the CLI waits for stdout to
// drain before it exits (an immediate process.exit cut such documents short).

test('a 3 MB --json run document through a pipe is complete', async () => {
  const big = 'x'.repeat(3 * 1024 * 1024);
  const mission = 'version: "1.0"\nname: big\nsteps:\n  - id: read\n    step_type: read_file\n    parameters: { path: big.txt }\n';
  const project = await tempProject({ 'big.txt': big, 'm.yaml': mission });
  try {
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    const document = json<{ steps: { outputs: { content: string } }[] }>(run);
    assert.equal(document.steps[0]?.outputs.content.length, big.length);
  } finally {
    await project.cleanup();
  }
});
