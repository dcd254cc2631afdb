import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, verifyLedger } from '@rustchain/core';
import { inProject, loopbackListener, type CaseRun } from './harness.ts';

/**
 * Issue 11, secrets: redacted in every serialisation the engine produces (a URL holding a
 * secret with `'`, `$`, `{}`, space or non-ASCII is percent-encoded differently in path,
 * query and userinfo); every header that could carry a secret is dropped on a cross-host
 * redirect; a literal secret parameter is a warning and censors nothing.
 */

const SECRET = "tok'en$a{b}c d/é";

interface RunDoc {
  status: string;
  steps: Array<{ id: string; status: string; outputs: Record<string, unknown> | null; error: { code: string } | null }>;
}

/** Every serialisation a URL serialiser may give the secret, raw included. */
function encodings(secret: string): string[] {
  const search = new URLSearchParams({ t: secret }).toString().slice(2);
  return [
    secret,
    encodeURIComponent(secret),
    encodeURI(secret),
    search,
    new URL(`http://h/${secret}`).pathname.slice(1),
    new URL(`http://h/?${secret}`).search.slice(1),
    encodeURIComponent(secret).toLowerCase(),
  ];
}

function runLogs(home: string): string {
  const runs = join(home, 'runs');
  let text = '';
  for (const id of readdirSync(runs)) {
    try {
      text += readFileSync(join(runs, id, 'run.log'), 'utf8');
    } catch {
      // a run without a log file
    }
  }
  return text;
}

test('a secret with reserved characters in a URL (path and query) is *** in outputs.url, --json, run.log and the ledger', async () => {
  const server = await loopbackListener();
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const mission = `steps:
  - id: path
    step_type: http
    parameters: { url: "${base}/p/\${{ env.MY_TOKEN }}" }
  - id: query
    step_type: http
    parameters: { url: "${base}/q?t=\${{ env.MY_TOKEN }}&x=1" }
`;
    const args = ['mission', 'execute', 'm.yaml', `--allow-net=127.0.0.1:${server.port}`, '--allow-env=MY_TOKEN', '--log-level=debug'];
    await inProject({ 'm.yaml': mission }, args, async (c: CaseRun) => {
      assert.equal(c.run.code, 0, c.run.stderr);
      assert.equal(server.requests.length, 2, 'the requests were made');
      const urls = (c.doc as unknown as RunDoc).steps.map((s) => String(s.outputs?.['url']));
      assert.ok(urls.every((u) => u.includes('***')), urls.join(' '));
      const ledger = readFileSync(join(c.home, 'audit', 'ledger.jsonl'), 'utf8');
      const log = runLogs(c.home);
      assert.ok(log.length > 0, 'a run log was written');
      for (const [where, text] of [['stdout', c.run.stdout], ['stderr', c.run.stderr], ['ledger', ledger], ['run.log', log]] as const) {
        for (const form of encodings(SECRET)) assert.equal(text.includes(form), false, `${where} holds ${JSON.stringify(form)}`);
      }
      assert.equal((await verifyLedger(c.home)).ok, true);
    }, { MY_TOKEN: SECRET });
  } finally {
    await server.close();
  }
});

test('a cross-host redirect drops every header that may carry a secret (X-Api-Key, Private-Token...), keeps content negotiation', async () => {
  const other = await loopbackListener();
  const first = await loopbackListener((req, res) => {
    res.statusCode = 302;
    res.setHeader('location', `http://localhost:${other.port}/landing`);
    res.end();
  });
  try {
    const client = createHttpClient({ rules: { allow: [`127.0.0.1:${first.port}`, `localhost:${other.port}`] }, resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
    const headers = { 'X-Api-Key': SECRET, 'Private-Token': 'pt-123456', Authorization: 'Bearer zzzz', Accept: 'application/json' };
    const res = await client.request(`http://127.0.0.1:${first.port}/start`, { headers });
    assert.equal(res.status, 200);
    assert.equal(first.requests[0]?.headers['x-api-key'], SECRET, 'the named host got it');
    const landed = other.requests[0]?.headers ?? {};
    for (const name of ['x-api-key', 'private-token', 'authorization']) assert.equal(landed[name], undefined, name);
    assert.equal(landed['accept'], 'application/json');
  } finally {
    await other.close();
    await first.close();
  }
});

test('a literal bearer_token is E_SECRET_LITERAL (a warning) and censors nothing from results or the ledger', async () => {
  const server = await loopbackListener((_req, res) => res.end('approved by the reviewer'));
  try {
    const mission = `steps:
  - id: call
    step_type: http
    parameters: { url: "http://127.0.0.1:${server.port}/", bearer_token: approved }
`;
    await inProject({ 'm.yaml': mission }, ['mission', 'validate', 'm.yaml'], (c) => {
      assert.equal(c.run.code, 0, c.run.stderr);
      const warning = (c.doc['diagnostics'] as Array<{ code: string; severity: string; pointer: string }>).find((d) => d.code === 'E_SECRET_LITERAL');
      assert.equal(warning?.severity, 'warning');
      assert.equal(warning?.pointer, '/steps/0/parameters/bearer_token');
    });
    await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', `--allow-net=127.0.0.1:${server.port}`], async (c) => {
      assert.equal(c.run.code, 0, c.run.stderr);
      const step = (c.doc as unknown as RunDoc).steps[0];
      assert.equal(step?.outputs?.['body'], 'approved by the reviewer', 'the word is not censored');
      const ledger = readFileSync(join(c.home, 'audit', 'ledger.jsonl'), 'utf8');
      assert.equal(ledger.includes('***'), false, 'nothing redacted in the ledger');
      assert.match(c.run.stderr, /E_SECRET_LITERAL/);
    });
  } finally {
    await server.close();
  }
});
