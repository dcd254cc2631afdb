import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { json } from '../cli/harness.ts';
import { cliWorkdir, type CliRunResult } from './helpers.ts';

// End-to-end through the real bin, in a work dir inside the repository (see cliWorkdir).

const work = cliWorkdir();
const cli = work.cli;

test('a bundle runs with plain node from a directory outside the repository', async () => {
  const built = await cli(['compile', 'mission.yaml', '-o', 'bundle.mjs', '--bundle']);
  assert.equal(built.code, 0, built.stderr);
  const outside = await mkdtemp(join(tmpdir(), 'rustchain-bundle-'));
  try {
    await copyFile(join(work.dir, 'bundle.mjs'), join(outside, 'bundle.mjs'));
    const { stdout } = await promisify(execFile)(process.execPath, ['bundle.mjs', '--json'], { cwd: outside });
    const result = JSON.parse(stdout) as CliRunResult;
    assert.equal(result.status, 'succeeded');
    assert.equal(await readFile(join(outside, 'copy.txt'), 'utf8'), 'got hello');
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});
