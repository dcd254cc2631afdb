import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { auditPaths, openLedger, verifyLedger } from '@rustchain/core';
import { withStateDir } from './helpers.ts';

/** A pid that surely belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const staleLocks = [
  { name: 'held by a dead process on this host', content: () => JSON.stringify({ pid: deadPid(), host: hostname(), nonce: 'x' }), ageMs: 0 },
  { name: 'torn (unparsable) and older than the stale limit', content: () => '{"pid":', ageMs: 60_000 },
  { name: 'from another host and older than the stale limit', content: () => JSON.stringify({ pid: 1, host: 'elsewhere', nonce: 'y' }), ageMs: 60_000 },
];
for (const { name, content, ageMs } of staleLocks) {
  test(`a stale lock (${name}) is taken over and released`, async () => {
    await withStateDir(async (dir) => {
      const ledger = await openLedger(dir);
      const { lock } = auditPaths(dir);
      await writeFile(lock, content());
      if (ageMs > 0) await utimes(lock, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
      const event = await ledger.append({ runId: null, type: 'x', payload: {} });
      assert.equal(event.seq, 0);
      assert.equal(existsSync(lock), false);
      assert.equal((await verifyLedger(dir)).ok, true);
    });
  });
}
