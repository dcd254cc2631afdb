import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, access } from 'node:fs/promises';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeBwrap, bwrapArgv, decideSandbox, type BwrapProbe, type SandboxMode, type SandboxRequest } from '../../../core/src/sandbox/index.ts';

const up: BwrapProbe = { available: true, path: '/usr/bin/bwrap', reason: null };
const down: BwrapProbe = { available: false, path: null, reason: 'bwrap is not installed' };

const table: Array<[SandboxMode, SandboxRequest, BwrapProbe, string]> = [
  ['required', undefined, up, 'sandbox'],
  ['required', undefined, down, 'E_SANDBOX_UNAVAILABLE'],
  ['required', 'none', up, 'E_POLICY_LIMIT'],
  ['preferred', undefined, up, 'sandbox'],
  ['preferred', undefined, down, 'plain+warning'],
  ['preferred', 'none', up, 'plain'],
  ['preferred', 'bwrap', down, 'E_SANDBOX_UNAVAILABLE'],
  ['off', undefined, up, 'plain'],
  ['off', 'bwrap', up, 'sandbox'],
  ['off', 'bwrap', down, 'E_SANDBOX_UNAVAILABLE'],
];
for (const [mode, request, probe, expected] of table) {
  test(`policy sandbox ${mode}, step ${request ?? '(unset)'}, bwrap ${probe.available ? 'usable' : 'missing'} -> ${expected}`, () => {
    let got: string;
    try {
      const d = decideSandbox(mode, request, probe);
      got = d.sandbox ? 'sandbox' : d.warning ? 'plain+warning' : 'plain';
    } catch (err) {
      got = (err as { code: string }).code;
    }
    assert.equal(got, expected);
  });
}

const probe = probeBwrap();
test('bwrap namespace sees only its roots and no network', { skip: probe.available ? false : `bwrap unusable here: ${probe.reason}` }, async () => {
  const base = realpathSync(await mkdtemp(join(tmpdir(), 'rc-sbx-')));
  try {
    const readRoot = join(base, 'r');
    const writeRoot = join(base, 'w');
    await mkdir(readRoot);
    await mkdir(writeRoot);
    await writeFile(join(readRoot, 'in.txt'), 'visible');
    await writeFile(join(base, 'outside.txt'), 'hidden');
    const run = (argv: string[]) => {
      const full = bwrapArgv(argv, { bwrap: probe.path as string, readRoots: [readRoot], writeRoots: [writeRoot], cwd: writeRoot });
      return spawnSync(full[0] as string, full.slice(1), { encoding: 'utf8' });
    };
    assert.equal(run(['/usr/bin/cat', join(readRoot, 'in.txt')]).stdout, 'visible');
    assert.notEqual(run(['/usr/bin/cat', join(base, 'outside.txt')]).status, 0);
    assert.notEqual(run(['/usr/bin/touch', join(readRoot, 'new')]).status, 0);
    assert.equal(run(['/usr/bin/touch', join(writeRoot, 'new')]).status, 0);
    await access(join(writeRoot, 'new'));
    assert.notEqual(run(['/usr/bin/ls', '/root']).status, 0);
    const net = run([process.execPath, '-e', 'require("net").connect(80,"1.1.1.1").on("error",e=>{console.log(e.code)}).on("connect",()=>console.log("CONNECTED"))']);
    assert.notEqual(net.stdout.trim(), 'CONNECTED');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

/** pid → [ppid, pgid] of every live process, from /proc. */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the command (which may hold spaces) start after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), [Number(fields[1]), Number(fields[2])]);
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

function descendants(root: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, [ppid]] of table) if (ppid === parent) (found.push(pid), queue.push(pid));
  }
  return found;
}

test('every process of a sandbox stays in the group it was spawned in, so one group kill (the guardian\'s, when the CLI dies) stops them all', { skip: probe.available ? false : `bwrap unusable here: ${probe.reason}` }, async () => {
  const base = realpathSync(await mkdtemp(join(tmpdir(), 'rc-sbx-')));
  const full = bwrapArgv(['/usr/bin/sh', '-c', 'echo ready; sleep 30'], { bwrap: probe.path as string, readRoots: [], writeRoots: [base], cwd: base });
  const child = spawn(full[0] as string, full.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`bwrap exited ${code}`)));
    });
    const pgid = child.pid!;
    const inside = descendants(pgid);
    // bwrap's namespace init and the command (sh, or sleep under it) at least.
    assert.ok(inside.length >= 2, `processes under bwrap: ${inside.join(', ')}`);
    const table = processTable();
    for (const pid of inside) assert.equal(table.get(pid)?.[1], pgid, `process ${pid} left the group (setsid: bwrap --new-session?)`);
    process.kill(-pgid, 'SIGKILL');
    const deadline = Date.now() + 5000;
    let left = inside.filter((pid) => processTable().has(pid));
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      left = inside.filter((pid) => processTable().has(pid));
    }
    assert.deepEqual(left, [], 'processes that survived the group kill');
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await rm(base, { recursive: true, force: true });
  }
});
