import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { json, runCli } from '../cli/harness.ts';
import { REPO_ROOT } from './helpers.ts';

// End-to-end through the real bin. The work dir lives inside the repository (not os.tmpdir())
// because a compiled module imports '@rustchain/*' by name: they resolve through the repo's
// node_modules, as they would in a user's project. It is removed afterwards.

const MISSION = `version: "1.0"
name: e2e
steps:
  - id: write
    step_type: create_file
    parameters:
      path: hello.txt
      content: "hello"
  - id: read
    step_type: read_file
    depends_on: [write]
    parameters:
      path: hello.txt
  - id: copy
    step_type: create_file
    depends_on: [read]
    parameters:
      path: copy.txt
      content: "got \${{ steps.read.outputs.content }}"
`;

interface Diagnostics { ok: boolean; diagnostics: Array<{ code: string; line: number; column: number }> }
interface Run { status: string; steps: Array<{ id: string; status: string; outputs: Record<string, unknown> }> }

let dir = '';
let home = '';
const cli = (args: string[]) => runCli(args, { cwd: dir, home });

before(async () => {
  dir = await mkdtemp(join(REPO_ROOT, 'tests', 'compiler', '.tmp-cli-'));
  home = join(dir, '.state');
  await writeFile(join(dir, 'mission.yaml'), MISSION);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('compile, then run the module: same statuses and outputs as mission execute', async () => {
  const compiled = await cli(['compile', 'mission.yaml', '-o', 'mission.mission.ts']);
  assert.equal(compiled.code, 0, compiled.stderr);
  const viaModule = await cli(['run', 'mission.mission.ts', '--json']);
  assert.equal(viaModule.code, 0, viaModule.stderr);
  const viaYaml = await cli(['mission', 'execute', 'mission.yaml', '--json']);
  assert.equal(viaYaml.code, 0, viaYaml.stderr);
  const shape = (r: Run) => r.steps.map((s) => ({ id: s.id, status: s.status, outputs: s.outputs }));
  assert.deepEqual(shape(json<Run>(viaModule)), shape(json<Run>(viaYaml)));
  assert.equal(await readFile(join(dir, 'copy.txt'), 'utf8'), 'got hello');
});

test('tsc --noEmit outside the compiler passes on the emitted module', async () => {
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../../tsconfig.base.json', include: ['mission.mission.ts'] }),
  );
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', join(dir, 'tsconfig.json')], { cwd: dir });
});

