import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, runCli, tempProject } from './harness.ts';

describe('rustchain usage errors exit 2', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  before(async () => {
    project = await tempProject({ 'm.yaml': 'version: "1.0"\nname: m\nsteps:\n  - id: a\n    step_type: noop\n' });
  });
  after(() => project.cleanup());

  const cases: Array<{ args: string[]; code: number }> = [
    { args: ['no-such-command'], code: 2 },
    { args: ['mission', 'frobnicate', 'm.yaml'], code: 2 },
    { args: ['mission', 'execute', '--no-such-option', 'm.yaml'], code: 2 },
    { args: ['mission', 'execute'], code: 2 },
    { args: ['mission', 'execute', '--max-parallel', 'zero', 'm.yaml'], code: 2 },
    { args: ['mission', 'execute', '--max-parallel', '0', 'm.yaml'], code: 2 },
    { args: ['mission', 'execute', '--allow-run=', 'm.yaml'], code: 2 },
    { args: ['mission', 'validate', '--log-level', 'loud', 'm.yaml'], code: 2 },
    { args: ['--help'], code: 0 },
    { args: ['mission', 'execute', '--help'], code: 0 },
  ];
  for (const { args, code } of cases) {
    it(`rustchain ${args.join(' ')} -> exit ${code}`, async () => {
      const run = await runCli(args, { cwd: project.dir, home: project.home });
      assert.equal(run.code, code, run.stderr);
      if (code === 2) assert.notEqual(run.stderr, '');
    });
  }

  it('a usage error with --json still prints only one JSON document on stdout', async () => {
    const run = await runCli(['mission', 'execute', '--json', '--max-parallel', '-3', 'm.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2);
    const doc = json<{ ok: boolean; diagnostics: Array<{ code: string }> }>(run);
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.diagnostics.map((d) => d.code), ['E_USAGE']);
  });

  it('--record / --replay with --backend redis are refused before Redis is contacted (workers would make calls outside the recording) and nothing runs', async () => {
    for (const flag of ['--record=rec', '--replay=.']) {
      const run = await runCli(['mission', 'execute', '--json', '--backend', 'redis', '--redis', 'redis://127.0.0.1:1', flag, 'm.yaml'], { cwd: project.dir, home: project.home });
      assert.equal(run.code, 2, run.stderr);
      const doc = json<{ ok: boolean; diagnostics: Array<{ code: string; message: string }> }>(run);
      assert.deepEqual(doc.diagnostics.map((d) => d.code), ['E_USAGE']);
      assert.match(doc.diagnostics[0]?.message ?? '', /redis workers/);
    }
  });
});
