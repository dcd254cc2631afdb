import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { json, runCli, tempProject } from './harness.ts';

const KEY = 'sk-record-replay-7f3e9a1c5b';

/** A JSON API that echoes the bearer token it got in a header and in the body. */
async function echoApi(t: { after(fn: () => Promise<void>): void }): Promise<{ port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-seen-auth', req.headers.authorization ?? '');
    res.end(JSON.stringify({ answer: 'forty-two', path: req.url, seen: req.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.after(close);
  return { port: (server.address() as AddressInfo).port, hits: () => hits, close };
}

function mission(port: number): string {
  return `version: "1.0"
name: record-replay
steps:
  - id: ask
    step_type: http
    parameters:
      url: http://127.0.0.1:${port}/v1/answer?api_key=\${{ env.API_KEY }}
      bearer_token: \${{ env.API_KEY }}
  - id: save
    step_type: create_file
    depends_on: [ask]
    parameters:
      path: out.txt
      content: "\${{ steps.ask.outputs.body }}"
`;
}

interface ReportCall { stepId: string; call: number; method: string; url: string; requestDigest: string; responseDigest: string | null; status: number | null; replayed: boolean }
interface Report { integrity: { ok: boolean }; runs: Array<{ runId: string; status: string; calls: ReportCall[] }> }

test('mission execute --record then --replay with the server gone: same result, no secret recorded, equal call digests in the audit report', async (t) => {
  const api = await echoApi(t);
  const project = await tempProject({ 'm.yaml': mission(api.port) });
  t.after(project.cleanup);
  const base = ['mission', 'execute', 'm.yaml', '--json', `--allow-net=127.0.0.1:${api.port}`, '--allow-env=API_KEY'];
  const env = { API_KEY: KEY };

  const recorded = await runCli([...base, '--record', 'rec'], { cwd: project.dir, home: project.home, env });
  assert.equal(recorded.code, 0, recorded.stderr);
  assert.equal(api.hits(), 1);
  const files = (await readdir(join(project.dir, 'rec'), { recursive: true })).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1);
  const text = await readFile(join(project.dir, 'rec', files[0]!), 'utf8');
  assert.ok(!text.includes(KEY), `the recording holds no secret:\n${text}`);
  assert.ok(text.includes('forty-two'));

  await api.close();
  assert.match(await readFile(join(project.dir, 'out.txt'), 'utf8'), /forty-two/);
  const replayed = await runCli([...base, '--replay', 'rec'], { cwd: project.dir, home: project.home, env: { API_KEY: 'another-key-entirely' } });
  assert.equal(replayed.code, 0, replayed.stderr);
  assert.equal(json<{ status: string }>(replayed).status, 'succeeded');
  assert.match(await readFile(join(project.dir, 'out.txt'), 'utf8'), /forty-two/);

  const report = json<Report>(await runCli(['audit', 'report', '--json'], { cwd: project.dir, home: project.home }));
  assert.equal(report.integrity.ok, true);
  const [first, second] = report.runs;
  assert.equal(first!.calls.length, 1);
  assert.equal(first!.calls[0]!.replayed, false);
  assert.equal(second!.calls[0]!.replayed, true);
  const digests = (calls: ReportCall[]) => calls.map((c) => [c.stepId, c.call, c.method, c.url, c.status, c.requestDigest, c.responseDigest]);
  assert.deepEqual(digests(second!.calls), digests(first!.calls));
  assert.match(first!.calls[0]!.url, /api_key=\*\*\*/);
  const ledger = await readFile(join(project.home, 'audit', 'ledger.jsonl'), 'utf8').catch(() => '');
  assert.ok(!ledger.includes(KEY));

  const rendered = await runCli(['audit', 'report'], { cwd: project.dir, home: project.home });
  assert.match(rendered.stdout, /call ask#1\.1 GET \S+api_key=\*\*\*\S* 200 request=sha256:[0-9a-f]{64} response=sha256:[0-9a-f]{64} \(replayed\)/);

  // audit compare: the replay made the recorded calls (exit 0) ...
  const same = await runCli(['audit', 'compare', first!.runId, second!.runId], { cwd: project.dir, home: project.home });
  assert.equal(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /^= ask#1\.1 GET /m);
  // ... and a run whose call was not the recorded one does not (exit 1).
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(project.dir, 'm.yaml'), mission(api.port).replace('/v1/answer', '/v2/answer'));
  const changed = await runCli([...base, '--replay', 'rec'], { cwd: project.dir, home: project.home, env });
  assert.equal(changed.code, 1);
  const third = json<Report>(await runCli(['audit', 'report', '--json'], { cwd: project.dir, home: project.home })).runs[2]!;
  const differs = await runCli(['audit', 'compare', first!.runId, third.runId, '--json'], { cwd: project.dir, home: project.home });
  assert.equal(differs.code, 1);
  const comparison = json<{ equal: boolean; pairs: Array<{ differs: string[] }> }>(differs);
  assert.equal(comparison.equal, false);
  assert.ok(comparison.pairs[0]!.differs.includes('requestDigest'));
});

test('--replay: a call never recorded fails the step with E_REPLAY_MISSING (exit 1); bad flags are usage errors (exit 2)', async (t) => {
  const project = await tempProject({ 'm.yaml': mission(9) });
  t.after(project.cleanup);
  const base = ['mission', 'execute', 'm.yaml', '--json', '--allow-net=127.0.0.1:9', '--allow-env=API_KEY'];
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(project.dir, 'empty'));
  const run = await runCli([...base, '--replay', 'empty'], { cwd: project.dir, home: project.home, env: { API_KEY: KEY } });
  assert.equal(run.code, 1, run.stderr);
  const doc = json<{ steps: Array<{ id: string; status: string; error: { code: string } | null }> }>(run);
  assert.equal(doc.steps[0]!.error?.code, 'E_REPLAY_MISSING');
  assert.equal((await runCli([...base, '--replay', 'nowhere'], { cwd: project.dir, home: project.home })).code, 2);
  assert.equal((await runCli([...base, '--replay', 'empty', '--record', 'x'], { cwd: project.dir, home: project.home })).code, 2);
});

test('--replay still applies the policy: a host not allowed is refused at run time (the URL is templated), never served', async (t) => {
  const project = await tempProject({ 'm.yaml': mission(9) });
  t.after(project.cleanup);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(project.dir, 'rec'));
  const run = await runCli(['mission', 'execute', 'm.yaml', '--json', '--allow-env=API_KEY', '--replay', 'rec'], { cwd: project.dir, home: project.home, env: { API_KEY: KEY } });
  assert.equal(run.code, 1, run.stderr);
  const doc = json<{ steps: Array<{ error: { code: string } | null }> }>(run);
  assert.equal(doc.steps[0]!.error?.code, 'E_POLICY_HOST_DENIED');
});
