import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, access } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
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
