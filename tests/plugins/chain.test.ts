import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import chain from '@rustchain/plugin-chain';
import command from '@rustchain/plugin-command';
import createFile from '@rustchain/plugin-create-file';
import llm from '@rustchain/plugin-llm';
import noop from '@rustchain/plugin-noop';
import tool from '@rustchain/plugin-tool';
import { startFakeLlm } from '@rustchain/testing/fake-llm';
import { executeMission } from '../../core/src/engine/execute.ts';
import { validateMission } from '../../core/src/loader/validate.ts';
import { checkPolicy } from '../../core/src/policy/check.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import type { Policy } from '../../core/src/policy/types.ts';
import type { RunEvent } from '../../core/src/engine/types.ts';
import { mission, step } from '../core/engine/helpers.ts';
import { json, REPO, runCli, tempProject } from '../cli/harness.ts';
import { runMissionText } from './llm-mission.ts';

const plugins = new Map<string, { definition: DefinedPlugin }>(
  [chain, command, createFile, noop, tool].map((p) => [p.type, { definition: p as unknown as DefinedPlugin }]),
);
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()].sort() };

let dir = '';
let policy: Policy;
before(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-chain-')));
  policy = { stepTypes: '*', commands: { allow: ['sleep', 'echo'], shell: false }, fs: { read: [dir], write: [dir] }, net: { allow: [] }, env: { allow: [] } };
});
after(() => rm(dir, { recursive: true, force: true }));

const chainStep = (parameters: Record<string, unknown>, id = 'c') => step(id, [], { type: 'chain', parameters, timeoutSeconds: 60 });
const run = (parameters: Record<string, unknown>, onEvent?: (e: RunEvent) => void) =>
  executeMission(mission([chainStep(parameters)]), { registry, policy, workDir: dir, env: { PATH: process.env['PATH'] }, ...(onEvent ? { onEvent } : {}) });

describe('chain: inline steps', () => {
  it('sequential (default): runs in order with nested ids; outputs flow back as steps.<name> and result', async () => {
    const events: string[] = [];
    const result = await run({
      steps: [
        { step_name: 'write', step_type: 'create_file', parameters: { path: 'a.txt', content: 'one' } },
        { step_name: 'say', step_type: 'command', parameters: { command: 'echo', args: ['hello'] } },
      ],
    }, (e) => { if ('stepId' in e) events.push(`${e.type} ${e.stepId}`); });
    const c = result.steps[0]!;
    assert.equal(c.status, 'succeeded', JSON.stringify(c.error));
    assert.deepEqual(c.children?.map((s) => s.id), ['c/write', 'c/say']);
    const outputs = c.outputs as { type: string; result: string; steps: Record<string, Record<string, unknown>>; status: Record<string, string> };
    assert.equal(outputs.type, 'sequential');
    assert.equal(outputs.steps['say']?.['stdout'], 'hello\n');
    assert.match(outputs.result, /^Step say: hello/m);
    assert.equal(await readFile(join(dir, 'a.txt'), 'utf8'), 'one');
    assert.deepEqual(events, ['step.started c', 'step.started c/write', 'step.succeeded c/write', 'step.started c/say', 'step.succeeded c/say', 'step.succeeded c']);
  });

  it('parallel: sub-steps all start before any ends', async () => {
    const order: string[] = [];
    const sleep = (name: string) => ({ step_name: name, step_type: 'command', parameters: { command: 'sleep', args: ['0.3'] } });
    const result = await run({ type: 'parallel', steps: [sleep('a'), sleep('b'), sleep('c')] }, (e) => {
      if ('stepId' in e && e.stepId.startsWith('c/')) order.push(e.type);
    });
    assert.equal(result.steps[0]!.status, 'succeeded', JSON.stringify(result.steps[0]!.error));
    assert.deepEqual(order.slice(0, 3), ['step.started', 'step.started', 'step.started']);
  });

  it('a failing sub-step fails the chain with its code; later sequential sub-steps are skipped', async () => {
    const result = await run({
      steps: [
        { step_name: 'bad', step_type: 'command', parameters: { command: 'sleep', args: ['x'] } },
        { step_name: 'later', step_type: 'create_file', parameters: { path: 'later.txt', content: 'x' } },
      ],
    });
    const c = result.steps[0]!;
    assert.equal(c.status, 'failed');
    assert.equal(c.error?.code, 'E_COMMAND_EXIT_NONZERO');
    assert.deepEqual(c.children?.map((s) => [s.id, s.status]), [['c/bad', 'failed'], ['c/later', 'skipped']]);
  });

  it('a sub-step the policy refuses stops the chain before any sub-step runs', async () => {
    const outside = join(tmpdir(), `rustchain-chain-outside-${process.pid}`);
    const result = await run({
      steps: [
        { step_name: 'first', step_type: 'create_file', parameters: { path: 'first.txt', content: 'x' } },
        { step_name: 'escape', step_type: 'create_file', parameters: { path: outside, content: 'x' } },
      ],
    });
    assert.equal(result.steps[0]!.error?.code, 'E_POLICY_PATH_DENIED');
    await assert.rejects(readFile(join(dir, 'first.txt')), { code: 'ENOENT' });
  });

  it('a sub-step timeout_seconds is its own timeout', async () => {
    const result = await run({ steps: [{ step_name: 'slow', step_type: 'command', parameters: { command: 'sleep', args: ['30'] }, timeout_seconds: 0.2 }] });
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
  });

  it('nesting: a tool sub-step runs its own child (`c/t/create_file`); results nest, events carry the full ids', async () => {
    const events: string[] = [];
    const result = await run({ steps: [{ step_name: 't', step_type: 'tool', parameters: { tool: 'create_file', parameters: { path: 'nested.txt', content: 'n' } } }] }, (e) => {
      if ('stepId' in e) events.push(`${e.type} ${e.stepId}`);
    });
    const c = result.steps[0]!;
    assert.equal(c.status, 'succeeded', JSON.stringify(c.error));
    assert.equal(c.children?.[0]?.id, 'c/t');
    assert.equal(c.children?.[0]?.children?.[0]?.id, 'c/t/create_file');
    assert.deepEqual(events, ['step.started c', 'step.started c/t', 'step.started c/t/create_file', 'step.succeeded c/t/create_file', 'step.succeeded c/t', 'step.succeeded c']);
  });

  it('resume: a chain that did not finish runs all its sub-steps again (children are not resumed one by one)', async () => {
    const events: string[] = [];
    const parameters = { steps: [{ step_name: 'w1', step_type: 'create_file', parameters: { path: 'r1.txt', content: '1' } }, { step_name: 'w2', step_type: 'create_file', parameters: { path: 'r2.txt', content: '2' } }] };
    // The earlier execution recorded c/w1 as succeeded, but not the chain itself.
    const result = await executeMission(mission([chainStep(parameters)]), {
      registry, policy, workDir: dir, env: {}, completed: { 'c/w1': { outputs: {}, attempts: 1 } },
      onEvent: (e) => { if (e.type === 'step.started') events.push(e.stepId); },
    });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(events, ['c', 'c/w1', 'c/w2']);
  });

  it('exactly one form: steps, mission or prompt', async () => {
    const result = await run({ type: 'sequential' });
    assert.equal(result.steps[0]!.error?.code, 'E_PARAMS_INVALID');
  });
});

describe('chain: the static policy check (policy check, run) judges sub-steps', () => {
  it('a sub-step writing outside the policy, or of a type not allowed, is refused at its own parameter', async () => {
    const outside = join(tmpdir(), 'elsewhere.txt');
    await writeFile(join(dir, 'static.yaml'), [
      'version: "1.0"', 'name: s', 'steps:', '  - id: c', '    name: c', '    step_type: chain', '    parameters:', '      steps:',
      '        - step_name: ok', '          step_type: create_file', '          parameters: { path: fine.txt, content: x }',
      '        - step_name: bad', '          step_type: create_file', `          parameters: { path: ${outside}, content: x }`, '',
    ].join('\n'));
    const validated = await validateMission(join(dir, 'static.yaml'), { registry, workDir: dir });
    assert.ok(validated.mission, JSON.stringify(validated.diagnostics));
    const refusals = checkPolicy(validated.mission, registry, policy, { workDir: dir });
    assert.deepEqual(refusals.map((d) => [d.code, d.pointer, d.line]), [['E_POLICY_PATH_DENIED', '/steps/0/parameters/steps/1/parameters/path', 14]]);
    const narrow = checkPolicy(validated.mission, registry, { ...policy, stepTypes: ['chain'] }, { workDir: dir });
    assert.deepEqual(narrow.map((d) => d.code), ['E_POLICY_STEP_TYPE_DENIED', 'E_POLICY_STEP_TYPE_DENIED']);
  });
});

describe('chain: mission validate checks sub-steps like top-level steps', () => {
  it('an unknown sub-step type and bad sub-step parameters are reported at their own line', async () => {
    await writeFile(join(dir, 'subcheck.yaml'), [
      'version: "1.0"', 'name: s', 'steps:', '  - id: c', '    name: c', '    step_type: chain', '    parameters:', '      steps:',
      '        - step_name: typo', '          step_type: creat_file', '          parameters: { path: a.txt }',
      '        - step_name: nopath', '          step_type: create_file', '          parameters: { content: x }', '',
    ].join('\n'));
    const result = await validateMission(join(dir, 'subcheck.yaml'), { registry, workDir: dir });
    assert.equal(result.ok, false);
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line]), [['E_STEP_TYPE_UNKNOWN', 11], ['E_SCHEMA_REQUIRED', 14]]);
  });
});

describe('chain: sub-mission file', () => {
  it('runs the file as a nested sub-DAG: its own templates name its steps, outputs flow back', async () => {
    await writeFile(join(dir, 'sub.yaml'), [
      'version: "1.0"', 'name: sub', 'steps:',
      '  - id: greet', '    name: greet', '    step_type: command', '    parameters: { command: echo, args: [hi] }',
      '  - id: save', '    name: save', '    step_type: create_file', '    depends_on: [greet]',
      '    parameters: { path: sub-out.txt, content: "${{ steps.greet.outputs.stdout }}" }', '',
    ].join('\n'));
    const result = await run({ mission: 'sub.yaml' });
    const c = result.steps[0]!;
    assert.equal(c.status, 'succeeded', JSON.stringify(c.error));
    assert.deepEqual(c.children?.map((s) => s.id), ['c/greet', 'c/save']);
    assert.equal(await readFile(join(dir, 'sub-out.txt'), 'utf8'), 'hi\n');
  });

  it('a sub-mission outside the read policy is refused', async () => {
    const narrow: Policy = { ...policy, fs: { read: [join(dir, 'nothing')], write: [join(dir, 'nothing')] } };
    const result = await executeMission(mission([chainStep({ mission: 'sub.yaml' })]), { registry, policy: narrow, workDir: dir, env: {} });
    assert.equal(result.steps[0]!.error?.code, 'E_POLICY_PATH_DENIED');
  });

  it('a cycle between chained files is found at validation, at the chaining parameter', async () => {
    const chained = (name: string, target: string) => [
      'version: "1.0"', `name: ${name}`, 'steps:',
      '  - id: next', '    name: next', '    step_type: chain', '    parameters:', `      mission: ${target}`, '',
    ].join('\n');
    await writeFile(join(dir, 'a.yaml'), chained('a', 'b.yaml'));
    await writeFile(join(dir, 'b.yaml'), chained('b', 'a.yaml'));
    const result = await validateMission(join(dir, 'a.yaml'), { registry, workDir: dir });
    assert.equal(result.ok, false);
    const cycle = result.diagnostics.find((d) => d.code === 'E_CHAIN_CYCLE');
    assert.ok(cycle, JSON.stringify(result.diagnostics));
    assert.deepEqual([cycle.line, cycle.column], [8, 16]);
    // A self-chain too.
    await writeFile(join(dir, 'self.yaml'), chained('self', 'self.yaml'));
    assert.equal((await validateMission(join(dir, 'self.yaml'), { registry, workDir: dir })).diagnostics[0]?.code, 'E_CHAIN_CYCLE');
    // A chain of valid files is fine.
    await writeFile(join(dir, 'top.yaml'), chained('top', 'sub.yaml'));
    assert.equal((await validateMission(join(dir, 'top.yaml'), { registry, workDir: dir })).ok, true);
  });

  it('a missing or invalid sub-mission is reported at validation', async () => {
    await writeFile(join(dir, 'missing.yaml'), ['version: "1.0"', 'name: m', 'steps:', '  - id: x', '    name: x', '    step_type: chain', '    parameters: { mission: nope.yaml }', ''].join('\n'));
    const result = await validateMission(join(dir, 'missing.yaml'), { registry, workDir: dir });
    assert.equal(result.diagnostics[0]?.code, 'E_FILE_NOT_FOUND');
  });
});

describe('chain and tool through the CLI', () => {
  const CORPUS = fileURLToPath(new URL('../../../shared/corpus/rustchain-missions/', import.meta.url));

  it('mission validate: a cycle between chained files exits 2 with file:line:col and E_CHAIN_CYCLE', async () => {
    const chained = (name: string, target: string) => ['version: "1.0"', `name: ${name}`, 'steps:', '  - id: next', '    name: next', '    step_type: chain', '    parameters:', `      mission: ${target}`, ''].join('\n');
    const project = await tempProject({ 'a.yaml': chained('a', 'b.yaml'), 'b.yaml': chained('b', 'a.yaml') });
    try {
      const run = await runCli(['mission', 'validate', 'a.yaml'], { cwd: project.dir, home: project.home });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /a\.yaml:8:16: error E_CHAIN_CYCLE/);
    } finally {
      await project.cleanup();
    }
  });

  it('corpus tool_demo.yaml runs green: tools as child steps in --json, the ledger verifies, audit report lists the nested ids', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"slideshow":{"title":"Sample"}}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const text = readFileSync(join(CORPUS, 'tool_demo.yaml'), 'utf8').replaceAll('https://httpbin.org', `http://${origin}`);
    const project = await tempProject({ 'tool_demo.yaml': text });
    try {
      const opts = { cwd: project.dir, home: project.home };
      const run = await runCli(['mission', 'execute', 'tool_demo.yaml', '--json', '--allow-write', '--allow-read', `--allow-net=${origin}`], opts);
      assert.equal(run.code, 0, run.stderr);
      const doc = json<{ runId: string; status: string; steps: Array<{ id: string; status: string; children?: Array<{ id: string; status: string }> }> }>(run);
      assert.equal(doc.status, 'succeeded');
      assert.deepEqual(doc.steps.map((s) => s.children?.map((c) => `${c.id} ${c.status}`) ?? []), [['create_with_tool/create_file succeeded'], ['http_with_tool/http succeeded'], []]);
      assert.equal(readFileSync(join(project.dir, 'tool_created.txt'), 'utf8'), 'This file was created using the create_file tool!');
      const verify = await runCli(['audit', 'verify', '--json'], opts);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      const report = await runCli(['audit', 'report', '--run', doc.runId, '--json'], opts);
      const ids = json<{ runs: Array<{ steps: Array<{ id: string; status: string }> }> }>(report).runs[0]?.steps.map((s) => s.id) ?? [];
      for (const id of ['create_with_tool', 'create_with_tool/create_file', 'http_with_tool/http']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
      // Recorded, then replayed with the server gone: the child step's call is served from the recording.
      const flags = ['--json', '--allow-write', '--allow-read', `--allow-net=${origin}`];
      const recorded = await runCli(['mission', 'execute', 'tool_demo.yaml', ...flags, '--record', 'rec'], opts);
      assert.equal(recorded.code, 0, recorded.stderr);
      await new Promise<void>((r) => server.close(() => r()));
      const replayed = await runCli(['mission', 'execute', 'tool_demo.yaml', ...flags, '--replay', 'rec'], opts);
      assert.equal(replayed.code, 0, replayed.stderr);
      const again = json<{ steps: Array<{ outputs: Record<string, unknown> }> }>(replayed);
      assert.equal((again.steps[1]?.outputs['output'] as { status: number }).status, 200);
    } finally {
      server.close();
      await project.cleanup();
    }
  });

  for (const name of ['data_processing.yaml', 'successor-examples_data_processing.yaml']) {
    it(`corpus ${name} runs green: the original's csv_loader tool reads and parses the CSV as child steps`, async () => {
      const project = await tempProject({ [name]: readFileSync(join(CORPUS, name), 'utf8') });
      try {
        const run = await runCli(['mission', 'execute', name, '--json', '--allow-write', '--allow-read', '--allow-run=echo'], { cwd: project.dir, home: project.home });
        assert.equal(run.code, 0, run.stderr + run.stdout);
        const doc = json<{ status: string; steps: Array<{ id: string; outputs: Record<string, unknown>; children?: Array<{ id: string; status: string }> }> }>(run);
        assert.equal(doc.status, 'succeeded');
        const load = doc.steps.find((s) => s.children !== undefined)!;
        assert.deepEqual(load.children?.map((c) => c.id.slice(c.id.indexOf('/') + 1)), ['read_file', 'csv_process']);
        assert.ok(((load.outputs['output'] as { count: number }).count) >= 4);
      } finally {
        await project.cleanup();
      }
    });
  }

  it('examples/chain-and-tools.yaml validates and runs green from the repository root (chain, tool, sub-mission)', async () => {
    const project = await tempProject();
    try {
      const opts = { cwd: REPO, home: project.home };
      const valid = await runCli(['mission', 'validate', 'examples/chain-and-tools.yaml'], opts);
      assert.equal(valid.code, 0, valid.stderr);
      const run = await runCli(['mission', 'execute', '--json', 'examples/chain-and-tools.yaml'], opts);
      assert.equal(run.code, 0, run.stderr);
      const doc = json<{ status: string; steps: Array<{ children?: Array<{ id: string }> }> }>(run);
      assert.deepEqual(doc.steps.map((s) => s.children?.map((c) => c.id)), [['prepare/write', 'prepare/count'], ['show/command'], ['report/words', 'report/say']]);
    } finally {
      await project.cleanup();
    }
  });

  it('an inline chain through the CLI: nested sub-steps in --json and in the verified ledger', async () => {
    const mission = ['version: "1.0"', 'name: c', 'steps:', '  - id: c', '    name: c', '    step_type: chain', '    parameters:', '      type: sequential', '      steps:',
      '        - { step_name: one, step_type: create_file, parameters: { path: one.txt, content: "1" } }',
      '        - { step_name: two, step_type: create_file, parameters: { path: two.txt, content: "2" } }', ''].join('\n');
    const project = await tempProject({ 'c.yaml': mission });
    try {
      const opts = { cwd: project.dir, home: project.home };
      const run = await runCli(['mission', 'execute', 'c.yaml', '--json', '--allow-write', '--allow-read'], opts);
      assert.equal(run.code, 0, run.stderr);
      const doc = json<{ steps: Array<{ children?: Array<{ id: string }> }> }>(run);
      assert.deepEqual(doc.steps[0]?.children?.map((c) => c.id), ['c/one', 'c/two']);
      const verify = await runCli(['audit', 'verify', '--json'], opts);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    } finally {
      await project.cleanup();
    }
  });
});

describe('corpus chain_demo.yaml through the CLI against the fake LLM server', () => {
  it('validates, runs green (each chain one llm child step), the ledger verifies, and a replay needs no server', async (t) => {
    const CORPUS = fileURLToPath(new URL('../../../shared/corpus/rustchain-missions/', import.meta.url));
    const fake = await startFakeLlm();
    let closed = false;
    t.after(() => (closed ? undefined : fake.close()));
    const config = {
      plugins: ['@rustchain/plugin-chain', '@rustchain/plugin-llm', '@rustchain/plugin-create-file'],
      settings: { llm: { default_provider: 'fake', providers: { fake: { kind: 'openai', base_url: fake.openaiBaseUrl, model: 'fake-model' } } } },
      policy: { net: { allow: [new URL(fake.url).host] } },
    };
    const project = await tempProject({ 'rustchain.config.json': JSON.stringify(config), 'chain_demo.yaml': readFileSync(join(CORPUS, 'chain_demo.yaml'), 'utf8') });
    try {
      await symlink(join(REPO, 'node_modules'), join(project.dir, 'node_modules'), 'dir');
      const opts = { cwd: project.dir, home: project.home };
      const valid = await runCli(['mission', 'validate', 'chain_demo.yaml'], opts);
      assert.equal(valid.code, 0, valid.stderr);
      const run = await runCli(['mission', 'execute', 'chain_demo.yaml', '--json', '--record', 'rec'], opts);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      const doc = json<{ status: string; steps: Array<{ id: string; children?: Array<{ id: string; status: string }> }> }>(run);
      assert.deepEqual(doc.steps.map((s) => s.children?.map((c) => `${c.id} ${c.status}`) ?? []), [['llm_chain/llm succeeded'], ['followup_chain/llm succeeded'], []]);
      const verify = await runCli(['audit', 'verify', '--json'], opts);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      await fake.close();
      closed = true;
      const replay = await runCli(['mission', 'execute', 'chain_demo.yaml', '--json', '--replay', 'rec'], opts);
      assert.equal(replay.code, 0, replay.stderr + replay.stdout);
    } finally {
      await project.cleanup();
    }
  });
});

describe('corpus chain_demo.yaml (legacy prompt form) against the fake LLM server', () => {
  it('both chains run an llm child step; the mission is green', async (t) => {
    const CORPUS = fileURLToPath(new URL('../../../shared/corpus/rustchain-missions/', import.meta.url));
    const fake = await startFakeLlm();
    t.after(() => fake.close());
    const settings = { llm: { default_provider: 'fake', providers: { fake: { kind: 'openai', base_url: fake.openaiBaseUrl, model: 'fake-model' } } } };
    const text = readFileSync(join(CORPUS, 'chain_demo.yaml'), 'utf8');
    const { result, diagnostics } = await runMissionText(t, text, [chain, llm, createFile] as unknown as DefinedPlugin[], { policy: { net: { allow: [new URL(fake.url).host] } }, settings });
    assert.ok(result, JSON.stringify(diagnostics));
    assert.equal(result.status, 'succeeded', JSON.stringify(result.steps.map((s) => s.error)));
    const first = result.steps[0]!;
    assert.deepEqual(first.children?.map((c) => `${c.id} ${c.status}`), ['llm_chain/llm succeeded']);
    assert.match(String(first.outputs['result']), /echo: Write a brief summary/);
  });
});
