import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliInProcess } from './in-process.ts';

/** Runs `node bundle.mjs ...args` in `cwd`; never rejects (the exit code is part of the answer). */
function runBundle(cwd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bundle.mjs', ...args], { cwd, env: { ...process.env, RUSTCHAIN_HOME: join(cwd, '.state') } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** A bundle (`compile --bundle`) answers --help and --version, and prints durations people can read (issue 15). */
describe('compiled bundle surface', () => {
  let root: string;
  let dir: string;
  const cwd = process.cwd();
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-bundle-surface-')));
    dir = join(root, 'project');
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), '{"name":"b","private":true}');
    await writeFile(join(dir, 'm.yaml'), 'version: "1.2"\nname: tiny\ndescription: two no-ops\nsteps:\n  - id: a\n    step_type: noop\n  - id: b\n    step_type: noop\n    depends_on: [a]\n');
    process.env['RUSTCHAIN_HOME'] = join(root, 'state');
    process.chdir(dir);
    const built = await cliInProcess(['compile', 'm.yaml', '-o', 'bundle.mjs', '--bundle']);
    assert.equal(built.code, 0, built.stderr);
  });
  after(async () => {
    process.chdir(cwd);
    await rm(root, { recursive: true, force: true });
  });

  it('--help describes the mission and the arguments, exit 0', async () => {
    const help = await runBundle(dir, ['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^tiny 1\.2 .*2 steps/);
    assert.match(help.stdout, /--allow-run\[=cmd,\.\.\.\]/);
    assert.equal((await runBundle(dir, ['-h'])).stdout, help.stdout);
  });

  it('--version names the mission and the compiler', async () => {
    const version = await runBundle(dir, ['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^tiny 1\.2 \(compiled by .+\)\n$/);
  });

  it('a value given with a space is a usage error that says to bind it with =', async () => {
    const spaced = await runBundle(dir, ['--allow-run', 'wc']);
    assert.equal(spaced.code, 2);
    assert.match(spaced.stderr, /`--allow-run=wc`/);
  });

  it('durations are rounded: whole milliseconds or seconds to 0.1', async () => {
    const run = await runBundle(dir, []);
    assert.equal(run.code, 0, run.stderr);
    const durations = [...run.stderr.matchAll(/\(([^)]*)\)|in (\S+ m?s)$/gm)].map((m) => m[1] ?? m[2] ?? '');
    assert.ok(durations.length >= 3, run.stderr);
    for (const d of durations) assert.match(d, /^(\d+ ms|\d+\.\d s)$/);
  });
});
