import assert from 'node:assert/strict';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import command from '@rustchain/plugin-command';
import createFile from '@rustchain/plugin-create-file';
import csvProcess from '@rustchain/plugin-csv-process';
import noop from '@rustchain/plugin-noop';
import parseJson from '@rustchain/plugin-parse-json';
import parseYaml from '@rustchain/plugin-parse-yaml';
import readFile_ from '@rustchain/plugin-read-file';
import tool from '@rustchain/plugin-tool';
import { McpClients } from '@rustchain/plugin-tool/mcp';
import { executeMission } from '../../core/src/engine/execute.ts';
import { checkPolicy } from '../../core/src/policy/check.ts';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import { Type } from '../../core/src/plugin/index.ts';
import type { Policy } from '../../core/src/policy/types.ts';
import type { RunEvent } from '../../core/src/engine/types.ts';
import { mission, step } from '../core/engine/helpers.ts';
// @ts-expect-error: a plain .mjs fixture without types
import { startHttpMcpServer } from '../fixtures/mcp/http-server.mjs';

const STDIO_SERVER = fileURLToPath(new URL('../fixtures/mcp/stdio-server.mjs', import.meta.url));

/** Lists the MCP tools through the public helpers, as an agent would. */
const lister = definePlugin({
  type: 'mcp_lister',
  description: 'lists MCP tools',
  params: Type.Object({}),
  outputs: Type.Object({ tools: Type.Array(Type.String()) }),
  capabilities: ['exec', 'net'],
  effect: 'read',
  async run(_params, ctx) {
    const clients = new McpClients(ctx);
    try {
      return { tools: (await clients.listTools()).map((t) => t.qualified) };
    } finally {
      await clients.close();
    }
  },
});

const plugins = new Map<string, { definition: DefinedPlugin }>(
  [tool, command, createFile, noop, lister, csvProcess, parseJson, parseYaml, readFile_].map((p) => [p.type, { definition: p as unknown as DefinedPlugin }]),
);
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()].sort() };

interface HttpMcp { url: string; port: number; requests: string[]; stop(): Promise<void> }

let dir = '';
let web: HttpMcp;
let policy: Policy;
let settings: Record<string, unknown>;
before(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-tool-')));
  web = (await startHttpMcpServer()) as HttpMcp;
  policy = {
    stepTypes: '*',
    commands: { allow: [process.execPath, 'echo'], shell: false },
    fs: { read: [dir], write: [dir] },
    net: { allow: [`127.0.0.1:${web.port}`] },
    env: { allow: [] },
  };
  settings = { mcp: { servers: { demo: { command: [process.execPath, STDIO_SERVER, 'demo'] }, web: { url: web.url } } } };
});
after(async () => {
  await web.stop();
  await rm(dir, { recursive: true, force: true });
});

const toolStep = (parameters: Record<string, unknown>) => step('t', [], { type: 'tool', parameters, timeoutSeconds: 60 });
async function run(parameters: Record<string, unknown>, overrides: { policy?: Policy; settings?: Record<string, unknown>; onEvent?: (e: RunEvent) => void } = {}) {
  const result = await executeMission(mission([toolStep(parameters)]), {
    registry, policy: overrides.policy ?? policy, workDir: dir, env: { PATH: process.env['PATH'] }, settings: overrides.settings ?? settings,
    ...(overrides.onEvent ? { onEvent: overrides.onEvent } : {}),
  });
  return result.steps[0]!;
}

describe('tool: installed step types', () => {
  it('create_file (the original\'s tool_demo form) runs as a child step <id>/create_file', async () => {
    const events: string[] = [];
    const t = await run({ tool: 'create_file', parameters: { path: 'tool_created.txt', content: 'made by a tool' } }, { onEvent: (e) => { if ('stepId' in e) events.push(`${e.type} ${e.stepId}`); } });
    assert.equal(t.status, 'succeeded', JSON.stringify(t.error));
    assert.equal(await readFile(join(dir, 'tool_created.txt'), 'utf8'), 'made by a tool');
    assert.equal(t.outputs['kind'], 'step');
    assert.deepEqual(t.children?.map((c) => c.id), ['t/create_file']);
    assert.deepEqual(events, ['step.started t', 'step.started t/create_file', 'step.succeeded t/create_file', 'step.succeeded t']);
  });

  it('command with the original\'s args list; text is its stdout', async () => {
    const t = await run({ tool: 'command', parameters: { command: 'echo', args: ['hi'] } });
    assert.equal(t.status, 'succeeded', JSON.stringify(t.error));
    assert.equal(t.outputs['text'], 'hi\n');
  });

  it('a step type the policy does not allow is refused; nothing runs', async () => {
    const t = await run({ tool: 'create_file', parameters: { path: 'denied.txt', content: 'x' } }, { policy: { ...policy, stepTypes: ['tool'] } });
    assert.equal(t.error?.code, 'E_POLICY_STEP_TYPE_DENIED');
    await assert.rejects(readFile(join(dir, 'denied.txt')), { code: 'ENOENT' });
  });

  it('the tool\'s claims are judged on its parameters (a path outside the policy)', async () => {
    const outside = join(tmpdir(), `rustchain-tool-outside-${process.pid}.txt`);
    const t = await run({ tool: 'create_file', parameters: { path: outside, content: 'x' } });
    assert.equal(t.error?.code, 'E_POLICY_PATH_DENIED');
    await assert.rejects(readFile(outside), { code: 'ENOENT' });
  });

  it('bad parameters for the tool: E_PARAMS_INVALID; a malformed mcp: name: E_TOOL_UNKNOWN', async () => {
    assert.equal((await run({ tool: 'create_file', parameters: { content: 'no path' } })).error?.code, 'E_PARAMS_INVALID');
    assert.equal((await run({ tool: 'csv_loader', parameters: {} })).error?.code, 'E_PARAMS_INVALID');
    assert.equal((await run({ tool: 'mcp:bad name' })).error?.code, 'E_TOOL_UNKNOWN');
  });
});

describe('tool: the original\'s document loaders', () => {
  it('csv_loader reads (read_file child) and parses (csv_process child) with the original\'s parameters', async () => {
    await writeFile(join(dir, 'sales.csv'), 'date,product,sales\n2024-01-01,Widget A,1500\n2024-01-02,Widget B,2300\n');
    const t = await run({ tool: 'csv_loader', parameters: { file_path: 'sales.csv', delimiter: ',', has_headers: true } });
    assert.equal(t.status, 'succeeded', JSON.stringify(t.error));
    assert.deepEqual(t.children?.map((c) => c.id), ['t/read_file', 't/csv_process']);
    const output = t.outputs['output'] as { count: number; columns: string[]; rows: Array<Record<string, string>> };
    assert.equal(output.count, 2);
    assert.deepEqual(output.columns, ['date', 'product', 'sales']);
    assert.equal(output.rows[1]?.['product'], 'Widget B');
  });

  it('json_yaml_loader picks the parser from format or the extension', async () => {
    await writeFile(join(dir, 'data.json'), '{"a":[1,2]}');
    await writeFile(join(dir, 'data.yml'), 'a: [1, 2]\n');
    for (const file of ['data.json', 'data.yml']) {
      const t = await run({ tool: 'json_yaml_loader', parameters: { file_path: file } });
      assert.equal(t.status, 'succeeded', JSON.stringify(t.error));
      assert.deepEqual((t.outputs['output'] as { value: unknown }).value, { a: [1, 2] });
    }
  });

  it('html_loader extracts text, title and links; a file outside the policy is refused', async () => {
    await writeFile(join(dir, 'page.html'), '<html><head><title>Hi &amp; bye</title><script>x()</script></head><body><h1>Head</h1><p>Some <b>text</b></p><a href="https://a.example/x">a</a></body></html>');
    const t = await run({ tool: 'html_loader', parameters: { file_path: 'page.html' } });
    assert.equal(t.status, 'succeeded', JSON.stringify(t.error));
    const output = t.outputs['output'] as { text: string; title: string; links: string[] };
    assert.equal(output.title, 'Hi & bye');
    assert.equal(output.text, 'Hi & bye Head Some text a');
    assert.deepEqual(output.links, ['https://a.example/x']);
    const denied = await run({ tool: 'html_loader', parameters: { file_path: '/etc/hostname' } });
    assert.equal(denied.error?.code, 'E_POLICY_PATH_DENIED');
  });
});

describe('tool: MCP servers', () => {
  it('a stdio server (started through ctx.exec, under the command policy): text and structured results', async () => {
    const echo = await run({ tool: 'mcp:demo/echo', parameters: { text: 'hello' } });
    assert.equal(echo.status, 'succeeded', JSON.stringify(echo.error));
    assert.equal(echo.outputs['kind'], 'mcp');
    assert.equal(echo.outputs['text'], 'demo: hello');
    const add = await run({ tool: 'mcp:demo/add', parameters: { a: 2, b: 3 } });
    assert.deepEqual((add.outputs['output'] as { structured: unknown }).structured, { sum: 5 });
  });

  it('a tool result flagged isError fails with E_MCP_TOOL_ERROR; an unknown server with E_MCP_SERVER_UNKNOWN', async () => {
    assert.equal((await run({ tool: 'mcp:demo/fail' })).error?.code, 'E_MCP_TOOL_ERROR');
    assert.equal((await run({ tool: 'mcp:nowhere/echo', parameters: { text: 'x' } })).error?.code, 'E_MCP_SERVER_UNKNOWN');
  });

  it('the server command must be allowed like any command step: refused, it never starts', async () => {
    const t = await run({ tool: 'mcp:demo/echo', parameters: { text: 'x' } }, { policy: { ...policy, commands: { allow: ['echo'], shell: false } } });
    assert.equal(t.error?.code, 'E_POLICY_COMMAND_DENIED');
  });

  it('timeout_seconds bounds a slow MCP call (E_MCP_TIMEOUT); the step timeout stops it too (E_STEP_TIMEOUT)', async () => {
    const own = await run({ tool: 'mcp:demo/slow', parameters: { ms: 30_000 }, timeout_seconds: 0.5 });
    assert.equal(own.error?.code, 'E_MCP_TIMEOUT');
    const result = await executeMission(mission([step('t', [], { type: 'tool', parameters: { tool: 'mcp:demo/slow', parameters: { ms: 30_000 } }, timeoutSeconds: 1 })]), {
      registry, policy, workDir: dir, env: {}, settings,
    });
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
  });

  it('a streamable HTTP server through ctx.fetch (net policy): allowed, it answers; not allowed, no request reaches it', async () => {
    const ok = await run({ tool: 'mcp:web/echo', parameters: { text: 'over http' } });
    assert.equal(ok.status, 'succeeded', JSON.stringify(ok.error));
    assert.equal(ok.outputs['text'], 'http: over http');
    const seen = web.requests.length;
    const denied = await run({ tool: 'mcp:web/echo', parameters: { text: 'x' } }, { policy: { ...policy, net: { allow: [] } } });
    assert.equal(denied.error?.code, 'E_POLICY_HOST_DENIED');
    assert.equal(web.requests.length, seen);
  });

  it('token_env: the bearer token comes from the environment through the env policy', async (t) => {
    const secure = (await startHttpMcpServer({ token: 'sekret-token' })) as HttpMcp;
    t.after(() => secure.stop());
    const withSecure = { mcp: { servers: { secure: { url: secure.url, token_env: 'MCP_TOKEN' } } } };
    const open: Policy = { ...policy, net: { allow: [`127.0.0.1:${secure.port}`] }, env: { allow: ['MCP_TOKEN'] } };
    const events: RunEvent[] = [];
    const result = await executeMission(mission([toolStep({ tool: 'mcp:secure/echo', parameters: { text: 'hi' } })]), {
      registry, policy: open, workDir: dir, env: { MCP_TOKEN: 'sekret-token' }, settings: withSecure, onEvent: (e) => events.push(e),
    });
    assert.equal(result.steps[0]!.status, 'succeeded', JSON.stringify(result.steps[0]!.error));
    assert.ok(!JSON.stringify(events).includes('sekret-token'));
    const denied = await executeMission(mission([toolStep({ tool: 'mcp:secure/echo', parameters: { text: 'hi' } })]), {
      registry, policy: { ...open, env: { allow: [] } }, workDir: dir, env: { MCP_TOKEN: 'sekret-token' }, settings: withSecure,
    });
    assert.equal(denied.steps[0]!.error?.code, 'E_POLICY_ENV_DENIED');
  });

  it('bad settings.mcp: E_MCP_CONFIG', async () => {
    const t = await run({ tool: 'mcp:demo/echo' }, { settings: { mcp: { servers: { demo: { command: 'node server.js' } } } } });
    assert.equal(t.error?.code, 'E_MCP_CONFIG');
  });

  it('@rustchain/plugin-tool/mcp lists the tools of every configured server, qualified', async () => {
    const result = await executeMission(mission([step('l', [], { type: 'mcp_lister', timeoutSeconds: 60 })]), { registry, policy, workDir: dir, env: {}, settings });
    const l = result.steps[0]!;
    assert.equal(l.status, 'succeeded', JSON.stringify(l.error));
    const tools = l.outputs['tools'] as string[];
    for (const name of ['mcp:demo/echo', 'mcp:demo/add', 'mcp:web/echo', 'mcp:web/fail']) assert.ok(tools.includes(name), name);
  });
});

describe('tool: the static policy check', () => {
  it('a step-type tool is judged as a child step: its type and its own claims, at the tool parameters', () => {
    const outside = join(tmpdir(), 'elsewhere.txt');
    const m = mission([toolStep({ tool: 'create_file', parameters: { path: outside, content: 'x' } })]);
    assert.deepEqual(checkPolicy(m, registry, policy, { workDir: dir }).map((d) => [d.code, d.pointer]), [['E_POLICY_PATH_DENIED', '/steps/0/parameters/parameters/path']]);
    const typed = mission([toolStep({ tool: 'create_file', parameters: { path: 'in.txt', content: 'x' } })]);
    assert.deepEqual(checkPolicy(typed, registry, { ...policy, stepTypes: ['tool'] }, { workDir: dir }).map((d) => d.code), ['E_POLICY_STEP_TYPE_DENIED']);
    // An MCP tool's server comes from settings: judged when it runs.
    assert.deepEqual(checkPolicy(mission([toolStep({ tool: 'mcp:demo/echo' })]), registry, policy, { workDir: dir }), []);
  });
});
