import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { json } from '../cli/harness.ts';
import { CLI_MISSION, cliWorkdir, type CliDiagnostics } from './helpers.ts';

// End-to-end through the real bin, in a work dir inside the repository (see cliWorkdir).

const work = cliWorkdir();
const cli = work.cli;

test('run refuses a module whose source changed (E_COMPILED_DRIFT, exit 2) unless --allow-drift', async () => {
  await writeFile(join(work.dir, 'drift.yaml'), CLI_MISSION);
  assert.equal((await cli(['compile', 'drift.yaml', '-o', 'drift.mission.ts'])).code, 0);
  await writeFile(join(work.dir, 'drift.yaml'), `${CLI_MISSION}# edited\n`);
  const refused = await cli(['run', 'drift.mission.ts', '--json']);
  assert.equal(refused.code, 2, refused.stderr);
  assert.ok(json<CliDiagnostics>(refused).diagnostics.some((d) => d.code === 'E_COMPILED_DRIFT'));
  const allowed = await cli(['run', 'drift.mission.ts', '--allow-drift', '--json']);
  assert.equal(allowed.code, 0, allowed.stderr);
});

