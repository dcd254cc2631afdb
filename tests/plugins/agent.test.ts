import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import agent from '@rustchain/plugin-agent';
import createFile from '@rustchain/plugin-create-file';
import tool from '@rustchain/plugin-tool';
import { fileURLToPath } from 'node:url';
import { startFakeLlm, type FakeLlmServer } from '@rustchain/testing/fake-llm';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { RunEvent, StepResult } from '../../core/src/engine/types.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import type { Policy } from '../../core/src/policy/types.ts';
import { createCallJournal } from '../../core/src/replay/journal.ts';
import { mission, step } from '../core/engine/helpers.ts';

const plugins = new Map<string, { definition: DefinedPlugin }>([
  ['agent', { definition: agent as unknown as DefinedPlugin }],
  ['create_file', { definition: createFile as unknown as DefinedPlugin }],
  ['tool', { definition: tool as unknown as DefinedPlugin }],
]);
const STDIO_MCP = fileURLToPath(new URL('../fixtures/mcp/stdio-server.mjs', import.meta.url));
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()].sort() };

let fake: FakeLlmServer;
let root = '';
before(async () => {
  fake = await startFakeLlm();
  root = await realpath(await mkdtemp(join(tmpdir(), 'rc-agent-')));
});
after(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

let n = 0;
/** A fresh work dir and a policy allowing the fake server and writes there only. */
async function setup(): Promise<{ workDir: string; policy: Policy }> {
  const workDir = join(root, `w${++n}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(workDir);
  const port = new URL(fake.url).port;
  return { workDir, policy: { stepTypes: '*', commands: { allow: [], shell: false }, fs: { read: [workDir], write: [workDir] }, net: { allow: [`127.0.0.1:${port}`] }, env: { allow: [] } } };
}

async function runAgent(
  parameters: Record<string, unknown>,
  extra: {
    calls?: ReturnType<typeof createCallJournal>; in?: { workDir: string; policy: Policy }; settings?: Record<string, unknown>; policy?: (p: Policy) => Policy;
    budget?: { maxInputTokens?: number; maxOutputTokens?: number; maxCost?: number };
  } = {},
): Promise<{ result: StepResult; events: RunEvent[]; workDir: string }> {
  const place = extra.in ?? await setup();
  const { workDir } = place;
  const policy = extra.policy === undefined ? place.policy : extra.policy(place.policy);
  const events: RunEvent[] = [];
  const run = await executeMission(mission([step('think', [], { type: 'agent', parameters, timeoutSeconds: 60 })], extra.budget === undefined ? {} : { llmBudget: extra.budget }), {
    registry, policy, workDir, env: { PATH: process.env['PATH'] }, onEvent: (e) => events.push(e),
    ...(extra.calls === undefined ? {} : { calls: extra.calls }), ...(extra.settings === undefined ? {} : { settings: extra.settings }),
  });
  return { result: run.steps[0]!, events, workDir };
}

const requestsSince = (from: number) => fake.requests.slice(from).filter((r) => r.api === 'openai.chat' || r.api === 'anthropic.messages');

test('openai: the model calls create_file in its native tool format; the call runs as a child step; the result goes back as a tool message', async () => {
  const from = fake.requests.length;
  fake.enqueue({ tool_calls: [{ id: 'call_1', name: 'create_file', arguments: { path: 'notes.md', content: 'agent wrote this' } }] }, { text: 'Saved the notes.' });
  const { result, events, workDir } = await runAgent({ objective: 'write notes', tools: ['create_file'], provider: 'openai', base_url: fake.openaiBaseUrl, model: 'gpt-test' });
  assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
  const out = result.outputs as { response: string; iterations: number; tool_calls: Array<{ name: string; status: string; step_id: string }>; usage: { input_tokens: number } };
  assert.equal(out.response, 'Saved the notes.');
  assert.equal(out.iterations, 2);
  assert.deepEqual(out.tool_calls.map((c) => [c.name, c.status, c.step_id]), [['create_file', 'succeeded', 'think/create_file-1']]);
  assert.ok(out.usage.input_tokens > 0);
  assert.equal(await readFile(join(workDir, 'notes.md'), 'utf8'), 'agent wrote this');
  // The child step is a step of the run: its own start and success events, nested id.
  assert.deepEqual(events.filter((e) => 'stepId' in e && e.stepId === 'think/create_file-1').map((e) => e.type), ['step.started', 'step.succeeded']);
  // Live status in the progress view: the iteration, then the tool being called.
  const progress = events.flatMap((e) => (e.type === 'step.progress' && e.stepId === 'think' ? [e.text] : []));
  assert.ok(progress.some((p) => p.includes('calling create_file')), progress.join(' | '));
  const [first, second] = requestsSince(from);
  const tools = first!.body!['tools'] as Array<{ type: string; function: { name: string; parameters: { properties: Record<string, unknown> } } }>;
  assert.equal(tools[0]!.type, 'function');
  assert.equal(tools[0]!.function.name, 'create_file');
  assert.ok('path' in tools[0]!.function.parameters.properties);
  const messages = second!.body!['messages'] as Array<{ role: string; tool_call_id?: string; content: unknown; tool_calls?: unknown[] }>;
  assert.ok(messages.some((m) => m.role === 'assistant' && Array.isArray(m.tool_calls)));
  const toolMessage = messages.find((m) => m.role === 'tool');
  assert.equal(toolMessage?.tool_call_id, 'call_1');
  assert.match(String(toolMessage?.content), /notes\.md/);
});

test('anthropic: tool_use blocks out, tool_result blocks back', async () => {
  const from = fake.requests.length;
  fake.enqueue({ tool_calls: [{ id: 'toolu_9', name: 'create_file', arguments: { path: 'a.txt', content: 'x' } }] }, { text: 'done' });
  const { result } = await runAgent({ objective: 'write a', tools: ['create_file'], provider: 'anthropic', base_url: fake.anthropicBaseUrl, model: 'claude-test' });
  assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
  const [first, second] = requestsSince(from);
  assert.equal((first!.body!['tools'] as Array<{ name: string; input_schema: unknown }>)[0]!.name, 'create_file');
  const blocks = (second!.body!['messages'] as Array<{ role: string; content: unknown }>).flatMap((m) => (Array.isArray(m.content) ? (m.content as Array<{ type: string; tool_use_id?: string }>) : []));
  assert.ok(blocks.some((b) => b.type === 'tool_use'));
  assert.equal(blocks.find((b) => b.type === 'tool_result')?.tool_use_id, 'toolu_9');
});

test('a tool call the policy refuses goes back to the model as a tool error and is recorded; the agent carries on', async () => {
  const from = fake.requests.length;
  fake.enqueue({ tool_calls: [{ name: 'create_file', arguments: { path: '/etc/rustchain-agent-test', content: 'x' } }] }, { text: 'I could not write there.' });
  const { result, events } = await runAgent({ objective: 'write outside', tools: ['create_file'], provider: 'openai', base_url: fake.openaiBaseUrl });
  assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
  const call = (result.outputs as { tool_calls: Array<{ status: string; error: { code: string } | null }> }).tool_calls[0]!;
  assert.equal(call.status, 'failed');
  assert.equal(call.error?.code, 'E_POLICY_PATH_DENIED');
  const childEnd = events.find((e) => e.type === 'step.failed' && e.stepId === 'think/create_file-1');
  assert.equal(childEnd?.type === 'step.failed' ? childEnd.error.code : null, 'E_POLICY_PATH_DENIED');
  const toolMessage = (requestsSince(from)[1]!.body!['messages'] as Array<{ role: string; content: string }>).find((m) => m.role === 'tool');
  assert.match(toolMessage!.content, /E_POLICY_PATH_DENIED/);
});

test('tools: default none (no tools sent); unknown names are reported, an unoffered tool call is a tool error', async () => {
  let from = fake.requests.length;
  fake.enqueue({ text: 'Renewables: cheap, intermittent.' });
  const plain = await runAgent({ name: 'ReasoningAgent', objective: 'Analyze renewable energy', provider: 'openai', base_url: fake.openaiBaseUrl });
  assert.equal(plain.result.status, 'succeeded');
  const body = requestsSince(from)[0]!.body!;
  assert.equal(body['tools'], undefined);
  assert.match(JSON.stringify(body['messages']), /ReasoningAgent/);

  from = fake.requests.length;
  fake.enqueue({ tool_calls: [{ name: 'command', arguments: { command: 'rm' } }] }, { text: 'ok' });
  const { result } = await runAgent({ objective: 'x', tools: ['create_file', 'csv_loader'], provider: 'openai', base_url: fake.openaiBaseUrl });
  const out = result.outputs as { unavailable_tools: string[]; tool_calls: Array<{ error: { code: string } | null; step_id: string | null }> };
  assert.deepEqual(out.unavailable_tools, ['csv_loader']);
  assert.equal(out.tool_calls[0]!.error?.code, 'E_AGENT_TOOL_UNKNOWN');
  assert.equal(out.tool_calls[0]!.step_id, null);
});

test('max_iterations: a model that never stops calling tools fails the step with E_AGENT_MAX_ITERATIONS', async () => {
  fake.enqueue(
    { tool_calls: [{ name: 'create_file', arguments: { path: 'l1.txt', content: '1' } }] },
    { tool_calls: [{ name: 'create_file', arguments: { path: 'l2.txt', content: '2' } }] },
  );
  const { result } = await runAgent({ objective: 'loop', tools: ['create_file'], max_iterations: 2, provider: 'openai', base_url: fake.openaiBaseUrl });
  assert.equal(result.status, 'failed');
  assert.equal(result.error?.code, 'E_AGENT_MAX_ITERATIONS');
});

test('bad input is refused before any model call; a provider host the policy does not allow is refused', async () => {
  const from = fake.requests.length;
  const missing = await runAgent({ tools: ['create_file'], base_url: fake.openaiBaseUrl });
  assert.equal(missing.result.error?.code, 'E_PARAMS_INVALID');
  const badIterations = await runAgent({ objective: 'x', max_iterations: 0, base_url: fake.openaiBaseUrl });
  assert.equal(badIterations.result.error?.code, 'E_PARAMS_INVALID');
  const denied = await runAgent({ objective: 'x', provider: 'openai', base_url: 'http://127.0.0.1:9/v1' });
  assert.equal(denied.result.error?.code, 'E_POLICY_HOST_DENIED');
  assert.equal(requestsSince(from).length, 0);
});

test('record then replay through the call journal: same answer and tool calls with the fake server not consulted, equal digests', async () => {
  const dir = join(root, 'recording');
  // The same working directory, as a rerun has: the tool results the model reads name its paths.
  const place = await setup();
  const recorded: RunEvent[] = [];
  fake.enqueue({ tool_calls: [{ id: 'call_r', name: 'create_file', arguments: { path: 'r.txt', content: 'r' } }] }, { text: 'recorded answer' });
  const first = await runAgent({ objective: 'replay me', tools: ['create_file'], provider: 'openai', base_url: fake.openaiBaseUrl }, {
    calls: createCallJournal({ mode: 'record', dir, onEvent: (e) => recorded.push(e) }), in: place,
  });
  assert.equal(first.result.status, 'succeeded');
  const before = fake.requests.length;
  const replayed: RunEvent[] = [];
  const second = await runAgent({ objective: 'replay me', tools: ['create_file'], provider: 'openai', base_url: fake.openaiBaseUrl }, {
    calls: createCallJournal({ mode: 'replay', dir, onEvent: (e) => replayed.push(e) }), in: place,
  });
  assert.equal(fake.requests.length, before, 'no request reached the server');
  assert.equal(second.result.status, 'succeeded', JSON.stringify(second.result.error));
  assert.deepEqual(second.result.outputs, first.result.outputs);
  const digests = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'net.request' ? [e.requestDigest] : e.type === 'net.response' ? [e.responseDigest] : []));
  assert.equal(digests(recorded).length, 4);
  assert.deepEqual(digests(replayed), digests(recorded));
});

test('MCP tools: mcp:<server> offers the server\'s tools under provider-safe names; a call runs as a `tool` child step', async () => {
  const from = fake.requests.length;
  fake.enqueue({ tool_calls: [{ id: 'call_m', name: 'mcp__demo__add', arguments: { a: 2, b: 3 } }] }, { text: 'It is 5.' });
  const settings = { mcp: { servers: { demo: { command: [process.execPath, STDIO_MCP, 'demo'] } } } };
  const { result, events } = await runAgent(
    { objective: 'add 2 and 3', tools: ['mcp:demo', 'mcp:nowhere/x'], provider: 'openai', base_url: fake.openaiBaseUrl },
    { settings, policy: (p) => ({ ...p, commands: { allow: [process.execPath], shell: false } }) },
  );
  assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
  const out = result.outputs as { response: string; unavailable_tools: string[]; tool_calls: Array<{ name: string; status: string; step_id: string }> };
  assert.equal(out.response, 'It is 5.');
  assert.deepEqual(out.unavailable_tools, ['mcp:nowhere/x']);
  assert.deepEqual(out.tool_calls.map((c) => [c.name, c.status, c.step_id]), [['mcp__demo__add', 'succeeded', 'think/mcp__demo__add-1']]);
  const offered = (requestsSince(from)[0]!.body!['tools'] as Array<{ function: { name: string } }>).map((t) => t.function.name).sort();
  assert.deepEqual(offered, ['mcp__demo__add', 'mcp__demo__echo', 'mcp__demo__fail', 'mcp__demo__slow']);
  assert.ok(events.some((e) => e.type === 'step.succeeded' && e.stepId === 'think/mcp__demo__add-1'));
  const toolMessage = (requestsSince(from)[1]!.body!['messages'] as Array<{ role: string; content: string }>).find((m) => m.role === 'tool');
  assert.match(toolMessage!.content, /5/);
});

test('config.llm_budget: the loop stops before the model call that would pass it (E_LLM_BUDGET_EXCEEDED), after the calls that fit', async () => {
  const from = fake.requests.length;
  fake.enqueue({ tool_calls: [{ name: 'create_file', arguments: { path: 'b1.txt', content: '1' } }], usage: { input_tokens: 10, output_tokens: 100 } });
  // Each call reserves max_tokens (100) of output: the first fits in 150, the second would not.
  const { result } = await runAgent({ objective: 'spend', tools: ['create_file'], max_tokens: 100, provider: 'openai', base_url: fake.openaiBaseUrl }, { budget: { maxOutputTokens: 150 } });
  assert.equal(result.status, 'failed');
  assert.equal(result.error?.code, 'E_LLM_BUDGET_EXCEEDED');
  assert.equal(requestsSince(from).length, 1, 'the call over budget was never sent');
});

test('a tool whose step type the policy denies is not offered (unavailable_tools); a call to it anyway is a tool error', async () => {
  const from = fake.requests.length;
  fake.enqueue({ tool_calls: [{ name: 'create_file', arguments: { path: 'x.txt', content: 'x' } }] }, { text: 'no tools for me' });
  const { result, workDir } = await runAgent({ objective: 'x', tools: ['create_file'], provider: 'openai', base_url: fake.openaiBaseUrl }, { policy: (p) => ({ ...p, stepTypes: ['agent'] }) });
  assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
  const out = result.outputs as { unavailable_tools: string[]; tool_calls: Array<{ error: { code: string } | null }> };
  assert.deepEqual(out.unavailable_tools, ['create_file']);
  assert.equal(requestsSince(from)[0]!.body!['tools'], undefined);
  assert.equal(out.tool_calls[0]!.error?.code, 'E_AGENT_TOOL_UNKNOWN');
  assert.equal(existsSync(join(workDir, 'x.txt')), false);
});
