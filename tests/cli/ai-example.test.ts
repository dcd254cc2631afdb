import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startFakeLlm, type FakeRequest, type FakeReply } from '@rustchain/testing/fake-llm';
import { json, REPO, runCli, tempProject } from './harness.ts';

/**
 * The example AI mission (examples/ai-summarise-notes.yaml) through the real CLI: `llm`
 * summarises two files, an `agent` files the action items by calling `create_file` as a tool
 * (scripted on the fake OpenAI server), recorded; then rerun with --replay and no server at all.
 */

const KEY = 'sk-example-5e2d8c71a9f04b3c';
const SUMMARY = '- Priya: CSV export date formatting fix in review\n- Marco: billing migration tests run tonight\n- Lee: write the queue workers runbook';
const ACTIONS = '- [ ] Priya: land the CSV export fix\n- [ ] Marco: check the billing migration tests\n- [ ] Lee: write the queue workers runbook\n';

/** The fake model: a summary for the llm step; for the agent, one create_file tool call, then a confirmation. */
function script(request: FakeRequest): FakeReply {
  const body = request.body ?? {};
  if (!Array.isArray(body['tools'])) return { text: SUMMARY };
  const messages = (body['messages'] ?? []) as Array<{ role: string }>;
  if (!messages.some((m) => m.role === 'tool')) {
    return { tool_calls: [{ id: 'call_file', name: 'create_file', arguments: { path: 'ai-summary/actions.md', content: ACTIONS } }] };
  }
  return { text: 'Filed 3 action items to ai-summary/actions.md.' };
}

interface RunDocument {
  status: string;
  steps: Array<{ id: string; status: string; outputs: Record<string, unknown>; error: { code: string } | null; children?: Array<{ id: string; status: string }> }>;
}
interface Report { runs: Array<{ calls: Array<{ stepId: string; call: number; url: string; requestDigest: string; responseDigest: string | null; replayed: boolean }> }> }

test('examples/ai-summarise-notes.yaml: green against the fake server with a scripted tool call, then green again from the recording with no server', async (t) => {
  const fake = await startFakeLlm({ apiKey: KEY, handler: script });
  let closed = false;
  t.after(() => (closed ? undefined : fake.close()));
  const project = await tempProject();
  t.after(project.cleanup);
  await cp(join(REPO, 'examples', 'ai-summarise-notes.yaml'), join(project.dir, 'examples', 'ai-summarise-notes.yaml'));
  await cp(join(REPO, 'examples', 'notes'), join(project.dir, 'examples', 'notes'), { recursive: true });
  const host = new URL(fake.url).host;
  const args = ['mission', 'execute', 'examples/ai-summarise-notes.yaml', '--json', `--allow-net=${host}`, '--allow-env=OPENAI_BASE_URL,OPENAI_API_KEY'];
  const env = { OPENAI_BASE_URL: fake.openaiBaseUrl, OPENAI_API_KEY: KEY };

  const live = await runCli([...args, '--record', 'recording'], { cwd: project.dir, home: project.home, env });
  const first = json<RunDocument>(live);
  assert.ok(Array.isArray(first.steps), live.stdout + live.stderr);
  assert.equal(first.status, 'succeeded', JSON.stringify(first.steps.map((s) => [s.id, s.error]), null, 1) + live.stderr);
  const agent = first.steps.find((s) => s.id === 'file_actions')!;
  assert.equal(agent.outputs['response'], 'Filed 3 action items to ai-summary/actions.md.');
  assert.deepEqual((agent.outputs['tool_calls'] as Array<{ name: string; status: string; step_id: string }>).map((c) => [c.name, c.status, c.step_id]), [['create_file', 'succeeded', 'file_actions/create_file-1']]);
  assert.equal(await readFile(join(project.dir, 'ai-summary', 'actions.md'), 'utf8'), ACTIONS);
  assert.equal(await readFile(join(project.dir, 'ai-summary', 'summary.md'), 'utf8'), SUMMARY);
  // The summary prompt carried both files.
  const summaryRequest = fake.requests.find((r) => r.api === 'openai.chat' && !Array.isArray(r.body?.['tools']));
  assert.match(summaryRequest!.text, /Product sync/);
  assert.match(summaryRequest!.text, /Stand-up/);
  assert.equal(fake.requests.filter((r) => r.api === 'openai.chat').length, 3);

  const recordings = (await readdir(join(project.dir, 'recording'), { recursive: true })).filter((f) => f.endsWith('.json'));
  assert.equal(recordings.length, 3);
  for (const file of recordings) assert.ok(!(await readFile(join(project.dir, 'recording', file), 'utf8')).includes(KEY), `${file} holds the key`);

  // Offline: the server is gone, the outputs are removed; the replay recreates them.
  await fake.close();
  closed = true;
  await rm(join(project.dir, 'ai-summary'), { recursive: true });
  const replay = await runCli([...args, '--replay', 'recording'], { cwd: project.dir, home: project.home, env });
  const second = json<RunDocument>(replay);
  assert.ok(Array.isArray(second.steps), replay.stdout + replay.stderr);
  assert.equal(second.status, 'succeeded', JSON.stringify(second.steps.map((s) => [s.id, s.error])) + replay.stderr);
  assert.deepEqual(second.steps.map((s) => [s.id, s.status, s.outputs['response'] ?? null]), first.steps.map((s) => [s.id, s.status, s.outputs['response'] ?? null]));
  assert.equal(await readFile(join(project.dir, 'ai-summary', 'actions.md'), 'utf8'), ACTIONS);

  // The audit proves it: the same calls with the same request and response digests, the second run replayed.
  const report = json<Report>(await runCli(['audit', 'report', '--json'], { cwd: project.dir, home: project.home }));
  const [recorded, replayed] = report.runs;
  const digests = (run: Report['runs'][number]) => run.calls.map((c) => [c.stepId, c.call, c.url, c.requestDigest, c.responseDigest]);
  assert.equal(recorded!.calls.length, 3);
  assert.deepEqual(digests(replayed!), digests(recorded!));
  assert.ok(replayed!.calls.every((c) => c.replayed));
  assert.equal(existsSync(join(project.home, 'audit', 'ledger.jsonl')), true);
  assert.ok(!(await readFile(join(project.home, 'audit', 'ledger.jsonl'), 'utf8')).includes(KEY));
});
