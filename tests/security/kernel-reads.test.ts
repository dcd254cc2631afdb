import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, inProject, SENTINEL_STEP } from './harness.ts';

/**
 * Issue 11, reads (catalogue #22): /proc, /sys and /dev are opened only by an explicit
 * `--allow-read=` entry inside them, never by `--allow-read` (anywhere) or `-A`: otherwise
 * `read_file /proc/self/environ` prints the host's environment, secrets and all.
 */

const read = (id: string, path: string): string => `  - id: ${id}\n    step_type: read_file\n    parameters: { path: ${JSON.stringify(path)} }\n`;
const KERNEL = ['/proc/self/environ', '/proc/1/cmdline', '/sys/kernel/hostname', '/dev/zero'] as const;

for (const flag of ['--allow-read', '-A']) {
  test(`${flag} does not open ${KERNEL.join(', ')}: E_POLICY_PATH_DENIED before anything runs`, async () => {
    const steps = KERNEL.map((p, i) => read(`r${i}`, p)).join('');
    await inProject({ 'm.yaml': `steps:\n${steps}${SENTINEL_STEP}` }, ['mission', 'execute', 'm.yaml', flag], async (c) => {
      await assertRefused(c, 'E_POLICY_PATH_DENIED');
      const pointers = (c.doc['diagnostics'] as Array<{ code: string; pointer: string }>).filter((d) => d.code === 'E_POLICY_PATH_DENIED').map((d) => d.pointer);
      assert.deepEqual(pointers, KERNEL.map((_, i) => `/steps/${i}/parameters/path`));
      assert.doesNotMatch(c.run.stdout, /PATH=|HOME=/);
    }, { RC_CANARY_SECRET: 'canary-value-123' });
  });
}

test('an exact --allow-read=/proc/loadavg entry opens that file (and nothing else in /proc)', async () => {
  await inProject({ 'm.yaml': `steps:\n${read('load', '/proc/loadavg')}` }, ['mission', 'execute', 'm.yaml', '--allow-read=/proc/loadavg'], (c) => {
    assert.equal(c.run.code, 0, c.run.stderr);
  });
  await inProject({ 'm.yaml': `steps:\n${read('env', '/proc/self/environ')}${SENTINEL_STEP}` }, ['mission', 'execute', 'm.yaml', '--allow-read=/proc/loadavg'], (c) =>
    assertRefused(c, 'E_POLICY_PATH_DENIED'),
  );
});
