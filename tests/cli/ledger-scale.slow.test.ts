/**
 * Issue 12: `audit verify` streams. A 2,000,000-event ledger (about 540 MB in 9 segments of
 * 64 MiB, written straight to disk with correct hashes by fixtures/big-ledger.ts) verifies
 * through the real CLI within 150 MB peak RSS (measured by /usr/bin/time on the verify child).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { BIN, tempProject } from './harness.ts';
import { writeBigLedger } from '../core/audit/fixtures/big-ledger.ts';

const run = promisify(execFile);
const EVENTS = 2_000_000;
const MAX_RSS_MB = 150;

test(`a ${EVENTS.toLocaleString('en')}-event ledger verifies in bounded memory (< ${MAX_RSS_MB} MB peak RSS)`, { timeout: 300_000 }, async (t) => {
  if (!existsSync('/usr/bin/time')) return t.skip('/usr/bin/time is not installed (apt-get install time)');
  const project = await tempProject();
  t.after(() => project.cleanup());
  const generated = performance.now();
  const segments = await writeBigLedger(project.home, EVENTS);
  const genMs = performance.now() - generated;
  assert.ok(segments >= 8, `${segments} segments`);
  const began = performance.now();
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, BIN, 'audit', 'verify', '--json'], {
    cwd: project.dir,
    env: { ...process.env, RUSTCHAIN_HOME: project.home, CI: 'true' },
    maxBuffer: 1 << 20,
  });
  const verifyMs = performance.now() - began;
  const report = JSON.parse(stdout) as { ok: boolean; events: number };
  assert.deepEqual([report.ok, report.events], [true, EVENTS]);
  const rssKb = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1]);
  t.diagnostic(`generated in ${Math.round(genMs)} ms; verify ${Math.round(verifyMs)} ms, peak RSS ${(rssKb / 1024).toFixed(1)} MB`);
  assert.ok(rssKb / 1024 < MAX_RSS_MB, `peak RSS ${(rssKb / 1024).toFixed(1)} MB`);
});
