/**
 * The run state's journal: a transition appends what changed (one line), whatever the
 * mission's size; the journal is compacted into a new snapshot once it outgrows the last one;
 * a torn last line (a crash mid-append) is ignored; a resumed run never appends to the
 * journal of the process that died; and finish leaves one snapshot, no journal.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createRunStateRecorder, readRunState, type RunState } from '../../../core/src/index.ts';
import { mission, step } from '../engine/helpers.ts';
import { stateDirs } from './helpers.ts';

const stateDir = stateDirs('journal');

const sideEffects = (n: number) => mission(Array.from({ length: n }, (_, i) => step(`s${i}`, [], { type: 'command' })));
function recorder(dir: string, m: ReturnType<typeof sideEffects>, previous?: RunState) {
  return createRunStateRecorder({
    stateDir: dir, runId: 'r', mission: m, artifact: { kind: 'mission', file: '/x/m.yaml', sha256: m.source.sha256 },
    effectOf: (t) => (t === 'command' ? 'side-effect' : 'pure'), previous,
  });
}
const runDir = (dir: string): string => join(dir, 'runs', 'r');
const journals = (dir: string): string[] => readdirSync(runDir(dir)).filter((n) => n.startsWith('journal-')).sort();
const snapshotOf = (dir: string): RunState => JSON.parse(readFileSync(join(runDir(dir), 'state.json'), 'utf8')) as RunState;

describe('run state journal', () => {
  it('a side-effect start in a 20,000-step mission appends one line and leaves the snapshot alone', async () => {
    for (const n of [10, 20_000]) {
      const dir = stateDir();
      const rec = recorder(dir, sideEffects(n));
      const snapshotBytes = statSync(join(runDir(dir), 'state.json')).size;
      rec.onEvent({ type: 'step.started', runId: 'r', stepId: 's3', attempt: 1 });
      await rec.barrier();
      assert.equal(statSync(join(runDir(dir), 'state.json')).size, snapshotBytes, `n=${n}: the snapshot is not rewritten`);
      const [name] = journals(dir);
      const lines = readFileSync(join(runDir(dir), name!), 'utf8').split('\n').filter(Boolean);
      assert.equal(lines.length, 1, `n=${n}`);
      assert.deepEqual(JSON.parse(lines[0]!), { id: 's3', step: { status: 'running', phase: 'main', type: 'command', effect: 'side-effect', attempts: 1 } });
      assert.equal(readRunState(dir, 'r')!.steps['s3']!.status, 'running');
      await rec.finish('failed');
    }
  });

  it('a journal grown past the snapshot becomes a new snapshot and a new, empty journal', async () => {
    const dir = stateDir();
    const rec = recorder(dir, sideEffects(40));
    // Outputs of ~16 KiB per success: the journal passes its 1 MiB floor after ~64 of them.
    const big = 'x'.repeat(16 * 1024);
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 40; i++) {
        rec.onEvent({ type: 'step.started', runId: 'r', stepId: `s${i}`, attempt: round + 1 });
        await rec.barrier();
        rec.onEvent({ type: 'step.succeeded', runId: 'r', stepId: `s${i}`, attempt: round + 1, durationMs: 1, outputs: { big, round } });
        await rec.barrier();
      }
    }
    const named = snapshotOf(dir).journal!;
    assert.notEqual(named, 'journal-0.jsonl', 'a later generation');
    assert.deepEqual(journals(dir).filter((n) => n !== named), [], 'earlier journals are removed');
    const found = readRunState(dir, 'r')!;
    for (let i = 0; i < 40; i++) assert.deepEqual(found.steps[`s${i}`]!.outputs, { big, round: 3 });
    await rec.finish('succeeded');
    assert.deepEqual(journals(dir), []);
    assert.equal(snapshotOf(dir).journal, undefined);
    assert.equal(readRunState(dir, 'r')!.status, 'succeeded');
  });

  it('a torn last line is ignored; the lines before it count', async () => {
    const dir = stateDir();
    const rec = recorder(dir, sideEffects(3));
    rec.onEvent({ type: 'step.started', runId: 'r', stepId: 's0', attempt: 1 });
    await rec.barrier();
    rec.onEvent({ type: 'step.succeeded', runId: 'r', stepId: 's0', attempt: 1, durationMs: 1, outputs: { ok: 1 } });
    await rec.barrier();
    appendFileSync(join(runDir(dir), journals(dir)[0]!), '{"id":"s1","step":{"status":"succee');
    const found = readRunState(dir, 'r')!;
    assert.deepEqual([found.steps['s0']!.status, found.steps['s0']!.outputs, found.steps['s1']!.status], ['succeeded', { ok: 1 }, 'pending']);
    // Whatever follows a line that is not a journal entry (a foreign or damaged file) is not applied either.
    for (const foreign of ['42\n', 'null\n', '"text"\n', '{"other":1}\n']) {
      const copy = stateDir();
      const from = runDir(dir);
      const to = join(copy, 'runs', 'r');
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(from)) writeFileSync(join(to, name), readFileSync(join(from, name)));
      const journal = join(to, journals(copy)[0]!);
      writeFileSync(journal, readFileSync(journal, 'utf8').replace(/\{"id":"s1".*$/s, '') + foreign + '{"id":"s2","step":{"status":"succeeded","phase":"main","type":"command","effect":"side-effect","attempts":1}}\n');
      const read = readRunState(copy, 'r')!;
      assert.deepEqual([read.steps['s0']!.status, read.steps['s2']!.status], ['succeeded', 'pending'], JSON.stringify(foreign));
    }
  });

  it('a resumed run writes a journal generation the dead process never used, and drops the old one only once its own snapshot is down', async () => {
    const dir = stateDir();
    const m = sideEffects(3);
    const first = recorder(dir, m);
    first.onEvent({ type: 'step.started', runId: 'r', stepId: 's0', attempt: 1 });
    await first.barrier();
    first.onEvent({ type: 'step.succeeded', runId: 'r', stepId: 's0', attempt: 1, durationMs: 1, outputs: { ok: 1 } });
    await first.barrier();
    // The process "dies" here: no finish. Its journal holds s0's success.
    const before = readRunState(dir, 'r')!;
    assert.equal(before.steps['s0']!.status, 'succeeded');
    const oldJournal = journals(dir);
    const second = recorder(dir, m, before);
    assert.notDeepEqual(journals(dir), oldJournal, 'the dead journal is gone, replaced by the new snapshot');
    assert.ok(snapshotOf(dir).journal !== oldJournal[0]);
    assert.equal(readRunState(dir, 'r')!.steps['s0']!.status, 'succeeded', 'kept through the new snapshot');
    second.onEvent({ type: 'step.started', runId: 'r', stepId: 's1', attempt: 1 });
    await second.barrier();
    const found = readRunState(dir, 'r')!;
    assert.deepEqual([found.steps['s0']!.status, found.steps['s1']!.status, found.resumes], ['succeeded', 'running', 1]);
    await second.finish('failed');
  });
});
