/**
 * The guardian's last resort: a process whose parent died before it could track its group
 * (the window between a sandbox's spawn and its "+pgid" line, where bwrap's namespace child
 * then waits forever) carries the parent's guard token, and the guardian kills it when the
 * parent dies abnormally. After a normal exit (every process tracked) it does not search.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const FIXTURE = fileURLToPath(new URL('./fixtures/guarded-orphan.ts', import.meta.url));
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }));

/** Runs the fixture; returns the pid of the untracked process it started. */
function startOrphan(how: 'kill' | 'exit'): number {
  let out = '';
  try {
    out = execFileSync(process.execPath, ['--import', 'tsx', FIXTURE, how], { encoding: 'utf8' });
  } catch (error) {
    out = String((error as { stdout?: string }).stdout ?? '');
  }
  return Number(out.trim());
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return !alive(pid);
}

test('a process carrying the guard token dies with its SIGKILLed parent, tracked or not', { skip: process.platform !== 'linux' }, async () => {
  const pid = startOrphan('kill');
  assert.ok(pid > 0, 'the fixture printed its child pid');
  try {
    assert.equal(await gone(pid, 10_000), true, `process ${pid} outlived its SIGKILLed parent`);
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

test('after a normal exit the guardian does not search (nothing untracked can exist then)', { skip: process.platform !== 'linux' }, async () => {
  const pid = startOrphan('exit');
  assert.ok(pid > 0);
  try {
    // The guardian has seen "." and EOF: give it time to (not) act.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(alive(pid), true, 'the untracked process of a normally exiting parent was killed');
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});
