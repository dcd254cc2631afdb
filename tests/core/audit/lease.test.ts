/**
 * The ledger lock kept across a run sink's batches (core/src/audit/lease.ts): kept while
 * batches follow each other, given up at close, when idle, when another writer claims the next
 * turn, on a failed batch and on exit; a SIGKILLed holder is taken over; a foreign edit or
 * replacement of the segment while the lock is kept is still noticed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { auditPaths, createLedgerSink, openLedger, verifyLedger } from '@rustchain/core';
import type { LedgerInput } from '@rustchain/core';
import { readEvents, withStateDir } from './helpers.ts';

const HOLDER = fileURLToPath(new URL('./fixtures/lease-holder.ts', import.meta.url));

const ev = (i: number): LedgerInput => ({ runId: 'r', type: 'step.started', payload: { i } });

/** Wait until `cond` holds (polling; gives up after a generous deadline, never a timing assert). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function assertIntact(dir: string, events: number): Promise<void> {
  const report = await verifyLedger(dir);
  assert.deepEqual([report.ok, report.problem, report.events], [true, null, events], report.message);
}

test('a run sink keeps the lock between its batches and gives it up at close', async () => {
  await withStateDir(async (dir) => {
    const { lock } = auditPaths(dir);
    const sink = createLedgerSink(await openLedger(dir, { fsync: false }));
    sink.record(ev(0));
    await sink.barrier();
    const ino = statSync(lock).ino;
    sink.record(ev(1));
    await sink.barrier();
    sink.record(ev(2));
    await sink.barrier();
    assert.equal(statSync(lock).ino, ino, 'the same lock file: not given up and re-taken');
    await sink.close();
    assert.equal(existsSync(lock), false);
    await assertIntact(dir, 3);
  });
});

test('while the lock is kept between batches, no audit file stays open (a step may remount or unmount the state dir)', async (t) => {
  if (!existsSync('/proc/self/fd')) return t.skip('no /proc/self/fd');
  await withStateDir(async (dir) => {
    const paths = auditPaths(dir);
    const sink = createLedgerSink(await openLedger(dir, { fsync: false }));
    const open = (): string[] => readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/self/fd/${fd}`)];
      } catch {
        return [];
      }
    }).filter((target) => target.startsWith(paths.dir));
    for (let i = 0; i < 3; i++) {
      sink.record(ev(i));
      await sink.barrier();
      assert.equal(existsSync(paths.lock), true, 'kept');
      assert.deepEqual(open(), []);
    }
    await sink.close();
  });
});

test('a single append still releases the lock before it resolves', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir, { fsync: false });
    await ledger.append(ev(0));
    assert.equal(existsSync(auditPaths(dir).lock), false);
  });
});

test('a kept lock is given up once the writer is idle, and taken again by its next batch', async () => {
  await withStateDir(async (dir) => {
    const { lock } = auditPaths(dir);
    const sink = createLedgerSink(await openLedger(dir, { fsync: false }));
    sink.record(ev(0));
    await sink.barrier();
    assert.equal(existsSync(lock), true);
    await until(() => !existsSync(lock), 'the idle release');
    // Another writer of this process gets it at once, and the sink afterwards.
    await (await openLedger(dir, { fsync: false })).append(ev(1));
    sink.record(ev(2));
    await sink.close();
    assert.deepEqual((await readEvents(dir)).map((e) => e.payload.i), [0, 1, 2]);
    await assertIntact(dir, 3);
  });
});

test('another writer of this process taking a turn in between: the holder re-reads the tail and chains on', async () => {
  await withStateDir(async (dir) => {
    // Every batch signed: another writer refuses to extend events no signed head covers.
    const sink = createLedgerSink(await openLedger(dir, { fsync: false }), { signHeadEvery: 'batch' });
    const other = await openLedger(dir, { fsync: false });
    sink.record(ev(0));
    await sink.barrier();
    await other.append(ev(1)); // no await of a timer in between: the kept lock is reused, then released
    sink.record(ev(2));
    await sink.barrier();
    await other.append(ev(3));
    await sink.close();
    assert.deepEqual((await readEvents(dir)).map((e) => [e.seq, e.payload.i]), [[0, 0], [1, 1], [2, 2], [3, 3]]);
    await assertIntact(dir, 4);
  });
});

test('a claim of the next turn by another live writer makes the holder give the lock up and wait its turn', async (t) => {
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  await withStateDir(async (dir) => {
    const { lock } = auditPaths(dir);
    const next = `${lock}.next`;
    const sink = createLedgerSink(await openLedger(dir, { fsync: false }));
    sink.record(ev(0));
    await sink.barrier();
    assert.equal(existsSync(lock), true);
    writeFileSync(next, JSON.stringify({ pid: other.pid, host: hostname(), nonce: 'other-writer' }));
    sink.record(ev(1));
    let done = false;
    const second = sink.barrier().then(() => {
      done = true;
    });
    await until(() => !existsSync(lock), 'the holder giving the lock up');
    assert.equal(done, false, 'the batch waits while the other writer has the turn');
    // The other writer takes the lock (dropping its claim), then releases it.
    writeFileSync(lock, JSON.stringify({ pid: other.pid, host: hostname(), nonce: 'other-writer' }));
    unlinkSync(next);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(done, false, 'the batch waits while the other writer holds the lock');
    unlinkSync(lock);
    await second;
    await sink.close();
    assert.equal(existsSync(lock), false);
    assert.equal(existsSync(next), false);
    await assertIntact(dir, 2);
  });
});

test('a failed batch gives the kept lock up at once (a foreign append while it was kept is refused)', async () => {
  await withStateDir(async (dir) => {
    const paths = auditPaths(dir);
    const sink = createLedgerSink(await openLedger(dir, { fsync: false }));
    sink.record(ev(0));
    await sink.barrier();
    appendFileSync(paths.ledger, 'not an event\n');
    sink.record(ev(1));
    await assert.rejects(sink.barrier(), { code: 'E_AUDIT_CHAIN_BROKEN' });
    assert.equal(existsSync(paths.lock), false);
  });
});

test('a segment replaced by another file while the lock is kept: the next batch goes to the new file', async () => {
  await withStateDir(async (dir) => {
    const paths = auditPaths(dir);
    const sink = createLedgerSink(await openLedger(dir, { fsync: false }));
    sink.record(ev(0));
    await sink.barrier();
    const before = statSync(paths.ledger).ino;
    // Same bytes, another inode (an editor's save-and-rename).
    copyFileSync(paths.ledger, `${paths.ledger}.copy`);
    renameSync(`${paths.ledger}.copy`, paths.ledger);
    assert.notEqual(statSync(paths.ledger).ino, before);
    sink.record(ev(1));
    await sink.barrier();
    await sink.close();
    assert.deepEqual((await readEvents(dir)).map((e) => e.payload.i), [0, 1]);
    await assertIntact(dir, 2);
  });
});

function runHolder(dir: string, mode: 'block' | 'exit'): { held: Promise<void>; exited: Promise<number | null>; kill: () => void; pid: number } {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const held = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('held')) resolve();
    });
    child.on('exit', () => reject(new Error(`holder exited before holding: ${out}`)));
  });
  held.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { held, exited, kill: () => child.kill('SIGKILL'), pid: child.pid ?? -1 };
}

test('a holder SIGKILLed while keeping the lock is taken over by the next writer', async (t) => {
  await withStateDir(async (dir) => {
    const { lock } = auditPaths(dir);
    const holder = runHolder(dir, 'block');
    t.after(() => holder.kill());
    await holder.held;
    assert.equal((JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid, holder.pid, 'the blocked holder still has the lock');
    holder.kill();
    await holder.exited;
    const event = await (await openLedger(dir, { fsync: false })).append(ev(1));
    assert.equal(event.seq, 1);
    assert.equal(existsSync(lock), false);
    await assertIntact(dir, 2);
  });
});

test('a writer exiting with its lock kept (sink never closed) leaves no lock file', async () => {
  await withStateDir(async (dir) => {
    const holder = runHolder(dir, 'exit');
    await holder.held;
    assert.equal(await holder.exited, 0);
    assert.equal(existsSync(auditPaths(dir).lock), false);
    await assertIntact(dir, 1);
  });
});
