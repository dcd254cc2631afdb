import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFakeLlm, type FakeLlmServer } from '@rustchain/testing/fake-llm';
import { json, runCli, tempProject } from './harness.ts';

/**
 * The corpus `llm_demo.yaml` through the real CLI against the fake OpenAI server: base URL and
 * key from the environment (allowed by --allow-net / --allow-env), and the key never appears in
 * the --json result or anywhere in the state dir, even when the server echoes it in an error.
 */

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/rustchain-missions/llm_demo.yaml', import.meta.url));
const KEY = 'sk-test-0123456789abcdef';

/** Every file under `dir` that contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesContaining(path, needle));
    else if (readFileSync(path).includes(needle)) out.push(path);
  }
  return out;
}

async function demo(t: { after(fn: () => Promise<void>): void }, fake: FakeLlmServer) {
  const project = await tempProject({ 'llm_demo.yaml': readFileSync(CORPUS, 'utf8') });
  t.after(() => project.cleanup());
  const host = new URL(fake.url).host;
  const flags = ['--json', '--allow-write', `--allow-net=${host}`, '--allow-env=OPENAI_API_KEY,OPENAI_BASE_URL'];
  const run = await runCli(['mission', 'execute', 'llm_demo.yaml', ...flags], {
    cwd: project.dir, home: project.home, env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.openaiBaseUrl },
  });
  return { run, project };
}

test('llm_demo.yaml runs green through `mission execute` against the fake server', { skip: existsSync(CORPUS) ? false : 'corpus not found' }, async (t) => {
  const fake = await startFakeLlm({ apiKey: KEY });
  t.after(() => fake.close());
  fake.enqueue({ text: '4', usage: { input_tokens: 12, output_tokens: 1 } });
  const { run, project } = await demo(t, fake);
  const result = json<{ status: string; steps: Array<{ id: string; status: string; outputs: Record<string, unknown> }> }>(run);
  assert.equal(result.status, 'succeeded', run.stdout + run.stderr);
  assert.deepEqual(result.steps.map((s) => [s.id, s.status]), [['ask_llm', 'succeeded'], ['create_response_file', 'succeeded']]);
  assert.equal(result.steps[0]?.outputs['response'], '4');
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0]?.headers['authorization'], `Bearer ${KEY}`);
  assert.deepEqual([fake.requests[0]?.body?.['temperature'], fake.requests[0]?.body?.['max_tokens']], [0.1, 50]);
  assert.ok(existsSync(join(project.dir, 'llm_response.txt')));
  assert.deepEqual(filesContaining(project.home, KEY), [], 'the key is nowhere in the state dir');
});

test('a key the server echoes in its error body is *** in --json and in the ledger', { skip: existsSync(CORPUS) ? false : 'corpus not found' }, async (t) => {
  const fake = await startFakeLlm();
  t.after(() => fake.close());
  fake.enqueue({ error: { status: 401, message: `Incorrect API key provided: ${KEY}` } });
  const { run, project } = await demo(t, fake);
  const result = json<{ status: string; steps: Array<{ id: string; status: string; error: { code: string; message: string } | null }> }>(run);
  assert.equal(result.status, 'failed');
  assert.equal(result.steps[0]?.error?.code, 'E_LLM_AUTH');
  assert.ok(result.steps[0]?.error?.message.includes('***'), result.steps[0]?.error?.message);
  assert.ok(!run.stdout.includes(KEY) && !run.stderr.includes(KEY), 'not in the CLI output');
  assert.deepEqual(filesContaining(project.home, KEY), [], 'not in the ledger or anywhere in the state dir');
  assert.ok(filesContaining(project.home, 'E_LLM_AUTH').length > 0, 'the ledger recorded the failure');
});

test('a streamed llm step: its progress lines reach the live view only, never the ledger', async (t) => {
  const fake = await startFakeLlm();
  t.after(() => fake.close());
  fake.enqueue({ text: 'one two three four' });
  const mission = `name: stream\nsteps:\n  - { id: ask, step_type: llm, parameters: { prompt: hi, stream: true, base_url: "${fake.openaiBaseUrl}" } }\n`;
  const project = await tempProject({ 'stream.yaml': mission });
  t.after(() => project.cleanup());
  const run = await runCli(['mission', 'execute', 'stream.yaml', '--json', `--allow-net=${new URL(fake.url).host}`], { cwd: project.dir, home: project.home });
  const result = json<{ status: string; steps: Array<{ outputs: Record<string, unknown> }> }>(run);
  assert.equal(result.status, 'succeeded', run.stderr);
  assert.equal(result.steps[0]?.outputs['text'], 'one two three four');
  assert.equal(fake.requests[0]?.body?.['stream'], true);
  assert.deepEqual(filesContaining(project.home, 'step.progress'), []);
  assert.ok(filesContaining(project.home, 'step.succeeded').length > 0);
});
