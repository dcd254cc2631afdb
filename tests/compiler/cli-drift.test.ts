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

test('run refuses a module whose source changed (E_COMPILED_DRIFT, exit 2) unless --allow-drift', async () => {
  await writeFile(join(dir, 'drift.yaml'), MISSION);
  assert.equal((await cli(['compile', 'drift.yaml', '-o', 'drift.mission.ts'])).code, 0);
  await writeFile(join(dir, 'drift.yaml'), `${MISSION}# edited\n`);
  const refused = await cli(['run', 'drift.mission.ts', '--json']);
  assert.equal(refused.code, 2, refused.stderr);
  assert.ok(json<Diagnostics>(refused).diagnostics.some((d) => d.code === 'E_COMPILED_DRIFT'));
  const allowed = await cli(['run', 'drift.mission.ts', '--allow-drift', '--json']);
  assert.equal(allowed.code, 0, allowed.stderr);
});

