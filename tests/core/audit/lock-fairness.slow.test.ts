/**
 * The ledger lock under contention: 12 processes each make 8 fsynced commits on one state
 * dir at the same time. Every commit lands (none gives up waiting), the chain verifies, and no
 * writer waits unboundedly for its turn (the slowest single commit is reported).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { openLedger, verifyLedger } from '@rustchain/core';
import { readEvents, withStateDir } from './helpers.ts';

const WORKER = fileURLToPath(new URL('./fixtures/lock-worker.ts', import.meta.url));
const WORKERS = 12;
const COMMITS = 8;

function runWorker(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

test(`${WORKERS} processes × ${COMMITS} fsynced commits on one ledger: all land, the chain verifies, nobody starves`, { timeout: 240_000 }, async (t) => {
  await withStateDir(async (dir) => {
    await (await openLedger(dir)).append({ runId: null, type: 'test.begin', payload: {} });
    const barrier = join(dir, 'barrier');
    await mkdir(barrier);
    const began = performance.now();
    const results = await Promise.all(Array.from({ length: WORKERS }, (_, w) => runWorker([dir, `w${w}`, String(COMMITS), String(WORKERS), barrier])));
    const wallMs = performance.now() - began;
    assert.deepEqual(results.map((r) => r.code), Array.from({ length: WORKERS }, () => 0));
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.events], [true, 1 + WORKERS * COMMITS], report.message);
    const events = await readEvents(dir);
    for (let w = 0; w < WORKERS; w++) {
      const mine = events.filter((e) => e.payload.worker === `w${w}`).map((e) => e.payload.i as number);
      assert.deepEqual(mine, Array.from({ length: COMMITS }, (_, i) => i), `w${w}`);
    }
    const slowest = Math.max(...results.map((r) => (JSON.parse(r.out) as { slowest: number }).slowest));
    t.diagnostic(`${WORKERS * COMMITS} commits from ${WORKERS} processes in ${Math.round(wallMs)} ms (incl. start-up); slowest single commit ${Math.round(slowest)} ms`);
    assert.ok(slowest < 30_000, `a writer waited ${Math.round(slowest)} ms for one commit`);
  });
});
