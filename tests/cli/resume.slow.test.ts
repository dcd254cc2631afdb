/**
 * Run state, `runs list`, `--resume` and `finally:` through the real CLI.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { finished, json, runCli, startCli, tempProject } from './harness.ts';

const FLAGS = ['--allow-run=sh', '--allow-write', '--allow-read'];

/** a appends to journal.txt, b succeeds once `gate` exists (and appends), c creates a file from a's output. */
const GATED = `version: "1.0"
name: gated
steps:
  - id: a
    step_type: edit_file
    parameters: { path: journal.txt, content: "a\\n", append: true }
  - id: b
    step_type: command
    depends_on: [a]
    parameters: { command: sh, args: ["-c", "test -f gate && echo b >> journal.txt"] }
  - id: c
    step_type: create_file
    depends_on: [b]
    parameters: { path: c.txt, content: "from \${{ steps.a.outputs.path }}" }
finally:
  - id: tidy
    step_type: edit_file
    parameters: { path: journal.txt, content: "tidy\\n", append: true }
`;

const SLOW = `steps:
  - id: first
    step_type: edit_file
    parameters: { path: journal.txt, content: "first\\n", append: true }
  - id: slow
    step_type: command
    depends_on: [first]
    parameters: { command: sh, args: ["-c", "echo slow >> journal.txt; sleep 30"] }
`;

type Doc = { runId: string; status: string; steps: Array<{ id: string; status: string; resumed?: boolean; outputs: Record<string, unknown>; error: { code: string } | null }>; finally?: Array<{ id: string; status: string }> };
type Diag = { ok: boolean; diagnostics: Array<{ code: string }> };

function ledgerTypes(home: string, runId: string): string[] {
  const dir = join(home, 'audit');
  const types: string[] = [];
  for (const name of readdirSync(dir).filter((n) => /^ledger(\.\d+)?\.jsonl$/.test(n)).sort()) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean)) {
      const event = JSON.parse(line) as { runId: string | null; type: string; payload: { stepId?: string } };
      if (event.runId === runId) types.push(event.payload.stepId === undefined ? event.type : `${event.type}:${event.payload.stepId}`);
    }
  }
  return types;
}

describe('resume and finally through the CLI', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeEach(async () => {
    project = await tempProject({ 'gated.yaml': GATED, 'slow.yaml': SLOW });
  });
  afterEach(() => project.cleanup());
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir, home: project.home });
  const journal = () => readFileSync(join(project.dir, 'journal.txt'), 'utf8').split('\n').filter(Boolean);

  it('a failed run resumes under its run id: succeeded steps are reused (outputs feed templates), the rest run; finally runs each time', async () => {
    const first = await cli('mission', 'execute', '--json', ...FLAGS, 'gated.yaml');
    assert.equal(first.code, 1, first.stderr);
    const failed = json<Doc>(first);
    assert.deepEqual(failed.steps.map((s) => s.status), ['succeeded', 'failed', 'skipped']);
    assert.deepEqual(failed.finally?.map((s) => [s.id, s.status]), [['tidy', 'succeeded']]);

    const list = json<{ runs: Array<{ runId: string; status: string }> }>(await cli('runs', 'list', '--json'));
    assert.deepEqual(list.runs.map((r) => [r.runId, r.status]), [[failed.runId, 'failed']]);

    writeFileSync(join(project.dir, 'gate'), '');
    const resumed = await cli('mission', 'execute', '--json', ...FLAGS, '--resume', 'latest', 'gated.yaml');
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    const doc = json<Doc>(resumed);
    assert.equal(doc.runId, failed.runId);
    assert.deepEqual(doc.steps.map((s) => [s.id, s.status, s.resumed ?? false]), [['a', 'succeeded', true], ['b', 'succeeded', false], ['c', 'succeeded', false]]);
    assert.equal(readFileSync(join(project.dir, 'c.txt'), 'utf8'), `from ${join(project.dir, 'journal.txt')}`);
    // a ran once; finally ran after each execution.
    assert.deepEqual(journal(), ['a', 'tidy', 'b', 'tidy']);
    const types = ledgerTypes(project.home, doc.runId);
    assert.ok(types.includes('run.resumed'));
    assert.ok(types.includes('step.succeeded:tidy'));
    assert.equal(types.filter((t) => t === 'step.started:a').length, 1);

    const again = await cli('mission', 'execute', '--json', ...FLAGS, '--resume', doc.runId, 'gated.yaml');
    assert.equal(again.code, 2);
    assert.equal(json<Diag>(again).diagnostics[0]!.code, 'E_RESUME_NOT_RESUMABLE');
    const listed = json<{ runs: Array<{ status: string; resumes: number }> }>(await cli('runs', 'list', '--json'));
    assert.deepEqual(listed.runs.map((r) => [r.status, r.resumes]), [['succeeded', 1]]);
  });

  it('resume is refused for a changed mission and an unknown run (exit 2, nothing runs)', async () => {
    const first = await cli('mission', 'execute', '--json', ...FLAGS, 'gated.yaml');
    assert.equal(first.code, 1);
    writeFileSync(join(project.dir, 'gated.yaml'), GATED.replace('name: gated', 'name: gated2'));
    const changed = await cli('mission', 'execute', '--json', ...FLAGS, '--resume', 'latest', 'gated.yaml');
    assert.equal(changed.code, 2);
    assert.equal(json<Diag>(changed).diagnostics[0]!.code, 'E_RESUME_DIGEST_CHANGED');
    const unknown = await cli('mission', 'execute', '--json', ...FLAGS, '--resume', 'no-such-run', 'gated.yaml');
    assert.equal(unknown.code, 2);
    assert.equal(json<Diag>(unknown).diagnostics[0]!.code, 'E_RUN_NOT_FOUND');
    assert.deepEqual(journal(), ['a', 'tidy']);
  });

  it('a run killed in a side-effect step is listed interrupted; resume refuses it unless --rerun-interrupted', async () => {
    const child = startCli(['mission', 'execute', ...FLAGS, 'slow.yaml'], { cwd: project.dir, home: project.home });
    const done = finished(child);
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        if (seen.includes('▸ slow')) setTimeout(resolve, 300);
      });
      // A run that ends before its slow step would leave this wait to the test's timeout, with
      // nothing said about why: fail with what the run printed instead.
      void done.then((run) => reject(new Error(`the run ended before its slow step was killed (exit ${run.code}, ${run.signal}): ${run.stderr}`)));
    });
    process.kill(child.pid!, 'SIGKILL');
    await done;
    const list = json<{ runs: Array<{ runId: string; status: string; steps: { running: number } }> }>(await cli('runs', 'list', '--json'));
    assert.equal(list.runs[0]!.status, 'interrupted');
    assert.equal(list.runs[0]!.steps.running, 1);
    assert.ok(ledgerTypes(project.home, list.runs[0]!.runId).includes('run.interrupted'));
    const report = json<{ runs: Array<{ runId: string; status: string }> }>(await cli('audit', 'report', '--json', '--run', list.runs[0]!.runId));
    assert.equal(report.runs.find((r) => r.runId === list.runs[0]!.runId)?.status, 'interrupted');

    const refused = await cli('mission', 'execute', '--json', ...FLAGS, '--resume', 'latest', 'slow.yaml');
    assert.equal(refused.code, 2);
    assert.equal(json<Diag>(refused).diagnostics[0]!.code, 'E_RESUME_INTERRUPTED_STEP');

    writeFileSync(join(project.dir, 'slow.yaml'), SLOW);
    // Same bytes: the digest still matches. Make the re-run quick by cancelling it with SIGTERM.
    const rerun = startCli(['mission', 'execute', '--json', ...FLAGS, '--resume', 'latest', '--rerun-interrupted', 'slow.yaml'], { cwd: project.dir, home: project.home });
    const rerunDone = finished(rerun);
    let exited = false;
    void rerunDone.then(() => (exited = true));
    while (!exited && journal().filter((l) => l === 'slow').length < 2) await new Promise((r) => setTimeout(r, 50));
    if (!exited) process.kill(rerun.pid!, 'SIGTERM');
    const result = await rerunDone;
    assert.equal(result.code, 143, result.stderr);
    const doc = json<Doc>(result);
    assert.equal(doc.runId, list.runs[0]!.runId);
    assert.deepEqual(doc.steps.map((s) => [s.id, s.status, s.resumed ?? false]), [['first', 'succeeded', true], ['slow', 'cancelled', false]]);
    assert.deepEqual(journal(), ['first', 'slow', 'slow']);
  });
});
