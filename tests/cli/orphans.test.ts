/**
 * No orphans: a step's process group (including a process that ignores SIGTERM, and its
 * children) is gone once the CLI has exited, whether the step timed out, the CLI got SIGTERM,
 * or the CLI was SIGKILLed (the guardian and setpriv's parent-death signal).
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { finished, json, startCli, tempProject } from './harness.ts';

const STUBBORN = `steps:
  - id: hold
    step_type: command
    timeout_seconds: TIMEOUT
    parameters:
      command: sh
      args: ["-c", "trap '' TERM; (trap '' TERM; sleep 60) & sleep 60"]
`;

/** Processes whose working directory is inside `root`. */
function processesIn(root: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === root || cwd.startsWith(`${root}/`)) found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      // exited meanwhile, or a zombie
    }
  }
  return found;
}

/** Waits up to `ms` for the processes under `root` to be gone; returns what is left. */
async function leftAfter(root: string, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  let left = processesIn(root);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = processesIn(root);
  }
  return left;
}

/**
 * Resolves once the CLI's progress lines say step `id` started and its processes exist under
 * `root` (the progress line comes at the step's start, before its write-ahead commit and the
 * spawn: on a loaded machine a fixed pause after it was sometimes too short), plus a moment for
 * their traps to be set. Gives up waiting for the processes after 15 s: the caller's assertion
 * then reports them missing.
 */
function stepStarted(child: ReturnType<typeof startCli>, id: string, root: string): Promise<void> {
  const started = new Promise<void>((resolve) => {
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes(`▸ ${id}`)) resolve();
    });
  });
  return started.then(async () => {
    const deadline = Date.now() + 15_000;
    while (processesIn(root).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 400));
  });
}

describe('no orphans', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let root: string;
  before(async () => {
    project = await tempProject({ 'timeout.yaml': STUBBORN.replace('TIMEOUT', '1'), 'long.yaml': STUBBORN.replace('TIMEOUT', '0') });
    root = join(project.dir, '..');
  });
  after(() => project.cleanup());

  it("a step's timeout kills its whole group, SIGTERM-ignoring processes included; the CLI waits for it", async () => {
    const run = await finished(startCli(['mission', 'execute', '--json', '--allow-run=sh', 'timeout.yaml'], { cwd: project.dir, home: project.home }));
    assert.equal(run.code, 1, run.stderr);
    const doc = json<{ steps: Array<{ error: { code: string } | null }> }>(run);
    assert.equal(doc.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
    // Nothing left at the moment the CLI has exited: it waited out the SIGKILL grace itself.
    assert.deepEqual(processesIn(root), []);
  });

  it('SIGTERM to the CLI: the run is cancelled (143) and no process of it remains', async () => {
    const child = startCli(['mission', 'execute', '--allow-run=sh', 'long.yaml'], { cwd: project.dir, home: project.home });
    const done = finished(child);
    await stepStarted(child, 'hold', root);
    assert.ok(processesIn(root).length >= 2, 'the step should be running');
    process.kill(child.pid!, 'SIGTERM');
    const run = await done;
    assert.equal(run.code, 143, run.stderr);
    assert.deepEqual(processesIn(root), []);
  });

  it('SIGKILL of the CLI leaves no process of the run behind', async () => {
    const child = startCli(['mission', 'execute', '--allow-run=sh', 'long.yaml'], { cwd: project.dir, home: project.home });
    const done = finished(child);
    await stepStarted(child, 'hold', root);
    assert.ok(processesIn(root).length >= 2, 'the step should be running');
    process.kill(child.pid!, 'SIGKILL');
    await done;
    assert.deepEqual(await leftAfter(root, 3000), []);
  });
});
