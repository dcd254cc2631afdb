/**
 * Ledger first, as a property: resume reuses a step the run state calls succeeded without
 * running it, so the audit ledger must already hold that step's `step.succeeded` (and a run the
 * state calls succeeded its `run.finished`) whenever the file says so. A fake ledger commits
 * only when the test says: whatever the interleaving of transitions, barriers, commits and
 * I/O, every state.json read between two commits shows no success the ledger has not
 * committed, and once the ledger has committed everything the file catches up with the state.
 */
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { createRunStateRecorder, readRunState, type RunEvent } from '../../../core/src/index.ts';
import { mission, step } from '../engine/helpers.ts';
import { stateDirs } from './helpers.ts';

const stateDir = stateDirs('ledger-first');

const IDS = ['a', 'b', 'c', 'd', '7'];
const EFFECTS: Record<string, 'pure' | 'side-effect'> = { noop: 'pure', command: 'side-effect' };
const m = mission(IDS.map((id) => step(id, [], { type: id === 'b' || id === 'd' ? 'noop' : 'command' })));

type Command = RunEvent | 'barrier' | 'commit' | 'fail' | 'tick' | 'wait';

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Command>('barrier', 'commit', 'tick', 'wait') },
  { weight: 1, arbitrary: fc.constant<Command>('fail') },
  {
    weight: 6,
    arbitrary: fc.record({ stepId: fc.constantFrom(...IDS), attempt: fc.integer({ min: 1, max: 2 }), kind: fc.constantFrom('started', 'succeeded', 'succeeded', 'failed', 'finished') })
      .map(({ stepId, attempt, kind }): RunEvent => {
        if (kind === 'started') return { type: 'step.started', runId: 'r', stepId, attempt };
        if (kind === 'succeeded') return { type: 'step.succeeded', runId: 'r', stepId, attempt, durationMs: 1, outputs: { n: attempt } };
        if (kind === 'failed') return { type: 'step.failed', runId: 'r', stepId, attempt, durationMs: 1, error: { code: 'E_STEP_FAILED', message: 'x' } };
        return { type: 'run.finished', runId: 'r', status: 'succeeded', durationMs: 1 } as RunEvent;
      }),
  },
);

/** A ledger whose appends become committed only at `commit()`; a barrier waits for its own events. */
function fakeLedger() {
  const delivered: RunEvent[] = [];
  let committedCount = 0;
  let failing = false;
  let waiters: Array<{ upTo: number; resolve: () => void; reject: (e: Error) => void }> = [];
  const settle = (): void => {
    const still: typeof waiters = [];
    for (const w of waiters) {
      if (failing) w.reject(new Error('E_AUDIT_WRITE_FAILED'));
      else if (w.upTo <= committedCount) w.resolve();
      else still.push(w);
    }
    waiters = still;
  };
  return {
    deliver(event: RunEvent) {
      if (!failing) delivered.push(event);
    },
    barrier(): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiters.push({ upTo: delivered.length, resolve, reject });
        settle();
      });
    },
    commit() {
      if (!failing) committedCount = delivered.length;
      settle();
    },
    fail() {
      failing = true;
      settle();
    },
    /** Steps and run whose success the ledger holds. */
    committed() {
      const done = delivered.slice(0, committedCount);
      return {
        steps: new Set(done.filter((e) => e.type === 'step.succeeded').map((e) => (e as { stepId: string }).stepId)),
        run: done.some((e) => e.type === 'run.finished'),
      };
    },
  };
}

/** What a reader (resume) finds on disk: the snapshot with its journal applied. */
function readFile(dir: string): { status: string; steps: Record<string, { status: string }> } {
  return readRunState(dir, 'r')!;
}

function assertLedgerFirst(dir: string, ledger: ReturnType<typeof fakeLedger>, when: string): void {
  const onDisk = readFile(dir);
  const committed = ledger.committed();
  for (const [id, s] of Object.entries(onDisk.steps)) {
    if (s.status === 'succeeded') assert.ok(committed.steps.has(id), `${when}: state.json calls ${id} succeeded before the ledger committed it`);
  }
  if (onDisk.status === 'succeeded') assert.ok(committed.run, `${when}: state.json calls the run succeeded before the ledger committed run.finished`);
}

/** A fresh state dir, a fake ledger and a recorder that waits for it. */
function setup() {
  const dir = stateDir();
  const ledger = fakeLedger();
  const rec = createRunStateRecorder({
    stateDir: dir, runId: 'r', mission: m, artifact: { kind: 'mission', file: '/x/m.yaml', sha256: m.source.sha256 },
    effectOf: (t) => EFFECTS[t] ?? null, ledgerBarrier: () => ledger.barrier(),
  });
  return { dir, ledger, rec };
}

test('state.json never shows a success the ledger has not committed, and shows it once committed', async () => {
  await fc.assert(fc.asyncProperty(fc.array(commandArb, { maxLength: 40 }), async (commands) => {
    const { dir, ledger, rec } = setup();
    const pending: Promise<unknown>[] = [];
    let finished = false;
    for (const [i, command] of commands.entries()) {
      if (command === 'barrier') pending.push(rec.barrier().catch(() => undefined));
      else if (command === 'commit') ledger.commit();
      else if (command === 'fail') ledger.fail();
      else if (command === 'tick') await new Promise((resolve) => setImmediate(resolve));
      else if (command === 'wait') await new Promise((resolve) => setTimeout(resolve, 3));
      else if (!finished) {
        // The CLI's order: the ledger hears of an event first.
        ledger.deliver(command);
        rec.onEvent(command);
        if (command.type === 'run.finished') finished = true;
      }
      assertLedgerFirst(dir, ledger, `after command ${i} (${typeof command === 'string' ? command : command.type})`);
    }
    // The ledger commits everything (unless it failed): the file catches up.
    ledger.commit();
    await Promise.all(pending);
    await rec.finish('failed');
    assertLedgerFirst(dir, ledger, 'after finish');
    const onDisk = readFile(dir);
    const failedLedger = commands.includes('fail');
    for (const id of IDS) {
      const live = rec.state.steps[id]!.status;
      // With a working ledger the file ends as the state. Once it failed, a success is shown
      // only if a barrier confirmed it before the failure (never more: checked above).
      if (live !== 'succeeded') assert.equal(onDisk.steps[id]!.status, live, `step ${id}`);
      else if (!failedLedger) assert.equal(onDisk.steps[id]!.status, 'succeeded', `step ${id}`);
    }
    if (!failedLedger) assert.equal(onDisk.status, rec.state.status);
    rmSync(dir, { recursive: true, force: true });
  }), { numRuns: 150 });
});

test('a success is written as soon as the ledger commits it, without another event', async () => {
  const { dir, ledger, rec } = setup();
  const started: RunEvent = { type: 'step.started', runId: 'r', stepId: 'a', attempt: 1 };
  const succeeded: RunEvent = { type: 'step.succeeded', runId: 'r', stepId: 'a', attempt: 1, durationMs: 1, outputs: {} };
  for (const event of [started, succeeded]) {
    ledger.deliver(event);
    rec.onEvent(event);
  }
  const barrier = rec.barrier();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.notEqual(readFile(dir).steps['a']!.status, 'succeeded', 'held back while the ledger has not committed');
  ledger.commit();
  await barrier;
  assert.equal(readFile(dir).steps['a']!.status, 'succeeded');
  await rec.finish('failed');
});

test('a long run whose successes keep arriving while earlier ones are confirmed: each reaches the file once committed', async () => {
  // 3,000 side-effect steps, the ledger committing as they go and the loop turning only every
  // 50 steps: the recorder's queue of held successes is rarely empty when a confirmation comes,
  // so it must drop its confirmed front as it goes, holding back exactly the unconfirmed ones.
  const ids = Array.from({ length: 3000 }, (_, i) => `s${i}`);
  const long = mission(ids.map((id) => step(id, [], { type: 'command' })));
  const dir = stateDir();
  const ledger = fakeLedger();
  const rec = createRunStateRecorder({
    stateDir: dir, runId: 'r', mission: long, artifact: { kind: 'mission', file: '/x/m.yaml', sha256: long.source.sha256 },
    effectOf: (t) => EFFECTS[t] ?? null, ledgerBarrier: () => ledger.barrier(),
  });
  for (const [i, stepId] of ids.entries()) {
    for (const event of [{ type: 'step.started', runId: 'r', stepId, attempt: 1 }, { type: 'step.succeeded', runId: 'r', stepId, attempt: 1, durationMs: 1, outputs: { i } }] as RunEvent[]) {
      ledger.deliver(event);
      rec.onEvent(event);
    }
    if (i % 50 === 49) {
      await new Promise((resolve) => setImmediate(resolve));
      assertLedgerFirst(dir, ledger, `after step ${i}`);
      ledger.commit();
    }
  }
  ledger.commit();
  await rec.barrier();
  await rec.finish('succeeded');
  const onDisk = readFile(dir);
  assert.deepEqual(ids.filter((id) => onDisk.steps[id]!.status !== 'succeeded'), []);
  assert.deepEqual((onDisk.steps as Record<string, { outputs?: unknown }>)['s2999']!.outputs, { i: 2999 });
  rmSync(dir, { recursive: true, force: true });
});
