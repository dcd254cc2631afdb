/**
 * Issue 16: `mission validate --max-bytes` — a mission over the 5 MiB default cap is refused
 * (E_INPUT_TOO_LARGE) unless the cap is raised; a bad value is a usage error. The large
 * mission is plain YAML, so it also goes through the loader's fast path end to end, and a
 * diagnostic in it still carries the full path's line and column.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, runCli, tempProject } from './harness.ts';

interface DiagnosticsDoc {
  ok: boolean;
  diagnostics: Array<{ code: string; severity: string; line: number; column: number }>;
}

/** A noop chain of `n` steps, padded with a description so that it passes `bytes`. */
function bigMission(n: number, bytes: number, bad = false): string {
  const lines = ['version: "1.0"', 'name: big', `description: "${'x'.repeat(Math.max(0, bytes - n * 60))}"`, 'steps:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  - id: s${i}`, '    step_type: noop');
    if (i > 0) lines.push(`    depends_on: [${bad && i === n - 1 ? 'ghost' : `s${i - 1}`}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('rustchain mission validate --max-bytes', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  const SIX_MIB = 6 * 1024 * 1024;
  before(async () => {
    project = await tempProject({ 'big.yaml': bigMission(2_000, SIX_MIB), 'big-bad.yaml': bigMission(2_000, SIX_MIB, true) });
  });
  after(() => project.cleanup());

  it('a 6 MiB mission is refused by default (E_INPUT_TOO_LARGE, exit 2)', async () => {
    const run = await runCli(['mission', 'validate', '--json', 'big.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2, run.stderr);
    assert.deepEqual(json<DiagnosticsDoc>(run).diagnostics.map((d) => d.code), ['E_INPUT_TOO_LARGE']);
  });

  it('and valid with --max-bytes above its size', async () => {
    const run = await runCli(['mission', 'validate', '--json', `--max-bytes=${8 * 1024 * 1024}`, 'big.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(json<DiagnosticsDoc>(run).ok, true);
  });

  it('an error in it is reported at its line and column (positions built only for the diagnostic)', async () => {
    const run = await runCli(['mission', 'validate', '--json', `--max-bytes=${8 * 1024 * 1024}`, 'big-bad.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2, run.stderr);
    const errors = json<DiagnosticsDoc>(run).diagnostics.filter((d) => d.severity === 'error');
    // Four header lines, s0 on two, each later step on three: s<i>'s depends_on is line 3i + 6.
    assert.deepEqual(errors.map((d) => [d.code, d.line, d.column]), [['E_DAG_UNKNOWN_DEP', 3 * 1999 + 6, 18]]);
  });

  it('a value that is not a positive integer is a usage error (exit 2, nothing read)', async () => {
    for (const value of ['0', '-5', '1.5', 'lots']) {
      const run = await runCli(['mission', 'validate', `--max-bytes=${value}`, 'big.yaml'], { cwd: project.dir, home: project.home });
      assert.equal(run.code, 2, `${value}: ${run.stderr}`);
      assert.match(run.stderr, /--max-bytes/);
    }
  });
});
