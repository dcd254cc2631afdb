import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { json } from '../cli/harness.ts';
import { cliWorkdir, REPO_ROOT, type CliRunResult } from './helpers.ts';

// End-to-end through the real bin, in a work dir inside the repository (see cliWorkdir).

const work = cliWorkdir();
const cli = work.cli;

test('compile, then run the module: same statuses and outputs as mission execute', async () => {
  const compiled = await cli(['compile', 'mission.yaml', '-o', 'mission.mission.ts']);
  assert.equal(compiled.code, 0, compiled.stderr);
  const viaModule = await cli(['run', 'mission.mission.ts', '--json']);
  assert.equal(viaModule.code, 0, viaModule.stderr);
  const viaYaml = await cli(['mission', 'execute', 'mission.yaml', '--json']);
  assert.equal(viaYaml.code, 0, viaYaml.stderr);
  const shape = (r: CliRunResult) => r.steps.map((s) => ({ id: s.id, status: s.status, outputs: s.outputs }));
  assert.deepEqual(shape(json<CliRunResult>(viaModule)), shape(json<CliRunResult>(viaYaml)));
  assert.equal(await readFile(join(work.dir, 'copy.txt'), 'utf8'), 'got hello');
});

test('tsc --noEmit outside the compiler passes on the emitted module', async () => {
  await writeFile(
    join(work.dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../../tsconfig.base.json', include: ['mission.mission.ts'] }),
  );
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', join(work.dir, 'tsconfig.json')], { cwd: work.dir });
});


test('run of a compiled module honours --policy: a write outside its roots is refused, exit 2, nothing written', async () => {
  const compiled = await cli(['compile', 'mission.yaml', '-o', 'policy.mission.ts']);
  assert.equal(compiled.code, 0, compiled.stderr);
  await writeFile(join(work.dir, 'read-only.policy.yaml'), 'fs:\n  read: ["."]\n  write: ["./elsewhere"]\n');
  await writeFile(join(work.dir, 'copy.txt'), 'untouched');
  const refused = await cli(['run', 'policy.mission.ts', '--policy', 'read-only.policy.yaml', '--json']);
  assert.equal(refused.code, 2, refused.stderr);
  const codes = json<{ diagnostics: Array<{ code: string }> }>(refused).diagnostics.map((d) => d.code);
  assert.ok(codes.includes('E_POLICY_PATH_DENIED'), codes.join(','));
  assert.equal(await readFile(join(work.dir, 'copy.txt'), 'utf8'), 'untouched');
});

for (const [name, text, line] of [
  ['a syntax error', "import { defineCompiledMission } from '@rustchain/core';\nexport default defineCompiledMission({ oops\n", 3],
  ['a package that is not installed', "import plugin from '@rustchain/plugin-not-installed';\nexport default plugin;\n", 1],
  ['a module that is not a compiled mission', 'export default { hello: 1 };\n', 1],
  ['an import of a file (only packages may be imported)', "import x from './other.ts';\nexport default x;\n", 1],
] as const) {
  test(`run of a module with ${name} is E_COMPILED_IMPORT, exit 2, never an internal error`, async () => {
    await writeFile(join(work.dir, 'broken.mission.ts'), text);
    await writeFile(join(work.dir, 'other.ts'), 'export default 1;\n');
    // Hand-written, so unsigned: --allow-unsigned gets it past the signature check to the import.
    const ran = await cli(['run', 'broken.mission.ts', '--allow-unsigned', '--json']);
    assert.equal(ran.code, 2, ran.stderr);
    const diagnostic = json<{ diagnostics: { code: string; line: number }[] }>(ran).diagnostics[0];
    assert.equal(diagnostic?.code, 'E_COMPILED_IMPORT');
    assert.equal(diagnostic?.line, line);
  });
}
