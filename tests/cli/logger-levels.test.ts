/**
 * The run's logger is made on first use (pino not loaded by a run that logs nothing): whether
 * a level is enabled is then answered without pino, and must be pino's answer for every pair
 * of levels; the lazy logger writes what pino writes.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LOG_LEVELS, createLogger, lazyLogger, levelEnabled } from '../../cli/src/logger.ts';

test('levelEnabled agrees with pino for every configured and wanted level', () => {
  for (const level of LOG_LEVELS) {
    const real = createLogger(level); // pino's own logger (to stderr; nothing is written here)
    for (const wanted of LOG_LEVELS.filter((l) => l !== 'silent')) {
      assert.equal(levelEnabled(level, wanted), real.isLevelEnabled(wanted), `${level} / ${wanted}`);
    }
  }
});

test('the lazy logger writes its lines to the file once it is used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rustchain-lazy-log-'));
  try {
    const file = join(dir, 'run.log');
    const logger = lazyLogger('info', file);
    logger.info({ step: 's1' }, 'hello');
    logger.debug('not at info');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; step?: string; level: number });
    assert.deepEqual(lines.map((l) => [l.msg, l.step, l.level]), [['hello', 's1', 30]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a level set through the lazy logger reaches pino', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rustchain-lazy-log-'));
  try {
    // Its own file: createLogger caches one logger per level and destination.
    const logger = lazyLogger('warn', join(dir, 'level.log'));
    logger.level = 'debug';
    assert.equal(logger.isLevelEnabled('debug'), true);
    assert.equal(logger.level, 'debug');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
