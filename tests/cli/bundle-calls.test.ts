import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { cliInProcess } from './in-process.ts';

/** A compiled bundle (`node out.mjs`) writes its ctx.fetch calls to its ledger, as the CLI does: digests, never the credential. */
let root = '';
let server: Server;
let port = 0;
const cwd = process.cwd();
const KEY = 'sk-bundle-calls-3c9e1f';

before(async () => {
  server = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, seen: req.headers.authorization ?? null })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  root = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-bundle-calls-')));
  await writeFile(join(root, 'package.json'), '{"name":"b","private":true}');
  await writeFile(join(root, 'm.yaml'), `version: "1.0"\nname: ping\nsteps:\n  - id: ping\n    step_type: http\n    parameters:\n      url: http://127.0.0.1:${port}/ping\n      bearer_token: \${{ env.PING_KEY }}\n`);
  process.env['RUSTCHAIN_HOME'] = join(root, 'state');
  process.chdir(root);
  const built = await cliInProcess(['compile', 'm.yaml', '-o', 'bundle.mjs', '--bundle', `--allow-net=127.0.0.1:${port}`, '--allow-env=PING_KEY']);
  assert.equal(built.code, 0, built.stderr);
});
after(async () => {
  process.chdir(cwd);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

it('node bundle.mjs: net.request before the call, net.response after, with digests and a redacted URL', async () => {
  const state = join(root, 'run-state');
  await mkdir(state);
  const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, ['bundle.mjs', `--allow-net=127.0.0.1:${port}`, '--allow-env=PING_KEY'], { cwd: root, env: { ...process.env, RUSTCHAIN_HOME: state, PING_KEY: KEY } }, (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stderr });
    });
  });
  assert.equal(run.code, 0, run.stderr);
  const ledger = await readFile(join(state, 'audit', 'ledger.jsonl'), 'utf8');
  assert.ok(!ledger.includes(KEY));
  const events = ledger.trim().split('\n').map((line) => JSON.parse(line) as { type: string; payload: Record<string, unknown> });
  const types = events.map((e) => e.type).filter((t) => t === 'step.started' || t.startsWith('net.') || t === 'step.succeeded');
  assert.deepEqual(types, ['step.started', 'net.request', 'net.response', 'step.succeeded']);
  const response = events.find((e) => e.type === 'net.response')!.payload;
  assert.equal(response['status'], 200);
  assert.match(String(response['responseDigest']), /^sha256:[0-9a-f]{64}$/);
  assert.equal(events.find((e) => e.type === 'net.request')!.payload['url'], `http://127.0.0.1:${port}/ping`);
});
