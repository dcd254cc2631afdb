/**
 * The non-blocking bwrap probe (started before a mission loads, awaited when the policy's default
 * sandbox mode is formed) finds what the blocking one finds, and fills the cache it reads.
 * Each case runs in a fresh process: the probe is cached per process.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const sandbox = fileURLToPath(new URL('../../../core/src/sandbox/index.ts', import.meta.url));

function inChild(script: string, env: Record<string, string> = {}): unknown {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import * as s from ${JSON.stringify(sandbox)};\n${script}`], {
    encoding: 'utf8', env: { ...process.env, ...env },
  });
  return JSON.parse(out);
}

test('the async probe gives the blocking probe\'s answer, and probeBwrap then answers from it without probing again', () => {
  const result = inChild(`
    const first = await s.probeBwrapAsync();
    const again = s.probeBwrap();
    const fresh = s.probeBwrap({ refresh: true });
    process.stdout.write(JSON.stringify({ first, same: again === first, fresh }));`) as { first: unknown; same: boolean; fresh: unknown };
  assert.deepEqual(result.first, result.fresh);
  assert.equal(result.same, true);
});

test('without bwrap on PATH both probes say so, with the same reason', () => {
  const result = inChild(`
    const first = await s.probeBwrapAsync();
    const fresh = s.probeBwrap({ refresh: true });
    process.stdout.write(JSON.stringify({ first, fresh }));`, { PATH: '/nonexistent' }) as { first: { available: boolean }; fresh: unknown };
  assert.equal(result.first.available, false);
  assert.deepEqual(result.first, result.fresh);
});
