import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFakeLlm } from '@rustchain/testing/fake-llm';
import { json, runCli, tempProject } from '../cli/harness.ts';

/**
 * The RAG step types through the real CLI (first-party plugins, no config): the store lives in
 * the project's state dir and persists across runs; the corpus mission that uses rag_add
 * validates and runs against the fake embeddings server (OPENAI_BASE_URL), then reruns from a
 * recording with the server gone.
 */

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/rustchain-missions/', import.meta.url));

interface RunDocument {
  status: string;
  steps: Array<{ id: string; status: string; outputs: Record<string, unknown>; error: { code: string } | null }>;
}

async function fake(t: { after(fn: () => Promise<void>): void }) {
  const server = await startFakeLlm({ dimensions: 64 });
  t.after(() => server.close());
  const host = new URL(server.url).host;
  return { server, env: { OPENAI_BASE_URL: server.openaiBaseUrl }, flags: [`--allow-net=${host}`, '--allow-env=OPENAI_BASE_URL,OPENAI_API_KEY'] };
}

const ADD = `version: "1.0"
name: remember
steps:
  - id: add_owls
    step_type: rag_add
    parameters: { id: owls, content: "owls hunt at night with silent feathers", metadata: { kind: bird } }
  - id: add_kilns
    step_type: rag_add
    parameters: { id: kilns, content: "a kiln fires clay pots at high heat", metadata: { kind: craft } }
`;

const ASK = `version: "1.0"
name: recall
steps:
  - id: ask
    step_type: rag_query
    parameters: { query: "which animal hunts at night", limit: 1 }
  - id: save
    step_type: create_file
    depends_on: [ask]
    parameters: { path: answer.txt, content: "\${{ steps.ask.outputs.context }}" }
  - id: legacy
    step_type: create_file
    parameters: { path: legacy.txt, content: "Context: {ask_context}" }
`;

test('two CLI runs share the store: what one run adds, the next one finds', async (t) => {
  const { server, env, flags } = await fake(t);
  const project = await tempProject({ 'add.yaml': ADD, 'ask.yaml': ASK });
  t.after(project.cleanup);
  const added = json<RunDocument>(await runCli(['mission', 'execute', 'add.yaml', '--json', ...flags], { cwd: project.dir, home: project.home, env }));
  assert.equal(added.status, 'succeeded', JSON.stringify(added.steps.map((s) => s.error)));
  assert.ok(existsSync(join(project.home, 'data', 'rag-vectors.sqlite')));
  const asked = json<RunDocument>(await runCli(['mission', 'execute', 'ask.yaml', '--json', ...flags], { cwd: project.dir, home: project.home, env }));
  assert.equal(asked.status, 'succeeded', JSON.stringify(asked.steps.map((s) => s.error)));
  assert.deepEqual((asked.steps[0]!.outputs['results'] as Array<{ document_id: string }>).map((r) => r.document_id), ['owls']);
  assert.equal(readFileSync(join(project.dir, 'answer.txt'), 'utf8'), 'owls hunt at night with silent feathers');
  // The original's variable: rag_query sets <id>_context for create_file content.
  assert.equal(readFileSync(join(project.dir, 'legacy.txt'), 'utf8'), 'Context: owls hunt at night with silent feathers');
  assert.equal(server.requests.filter((r) => r.api === 'openai.embeddings').length, 3);
});

test('the state dir is out of reach of file steps: create_file into <stateDir>/data is refused', async (t) => {
  const project = await tempProject({
    'm.yaml': `version: "1.0"\nname: poke\nsteps:\n  - id: poke\n    step_type: create_file\n    parameters: { path: "${'STATE'}/data/rag-vectors.sqlite", content: "x" }\n`,
  });
  t.after(project.cleanup);
  const text = readFileSync(join(project.dir, 'm.yaml'), 'utf8').replace('STATE', project.home);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(project.dir, 'm.yaml'), text);
  const run = await runCli(['mission', 'execute', 'm.yaml', '--json', '--allow-write'], { cwd: project.dir, home: project.home });
  assert.notEqual(run.code, 0);
  assert.match(run.stdout + run.stderr, /E_POLICY_PATH_DENIED/);
  assert.equal(existsSync(join(project.home, 'data', 'rag-vectors.sqlite')), false);
});

test('corpus enterprise_ml_pipeline_rustchain.yaml (rag_add) validates, runs against the fake server, and reruns from a recording with the server gone', { skip: existsSync(CORPUS) ? false : `corpus not found at ${CORPUS}` }, async (t) => {
  const { server, env, flags } = await fake(t);
  const name = 'enterprise_ml_pipeline_rustchain.yaml';
  const project = await tempProject({ [name]: readFileSync(join(CORPUS, name), 'utf8') });
  t.after(project.cleanup);
  const validated = await runCli(['mission', 'validate', name, '--json'], { cwd: project.dir, home: project.home });
  assert.equal(validated.code, 0, validated.stdout + validated.stderr);
  const recorded = json<RunDocument>(await runCli(['mission', 'execute', name, '--json', '--record', 'rec', ...flags], { cwd: project.dir, home: project.home, env }));
  assert.equal(recorded.status, 'succeeded', JSON.stringify(recorded.steps.map((s) => s.error)));
  const outputs = recorded.steps[0]!.outputs;
  assert.deepEqual([outputs['database'], outputs['model'], outputs['chunks'], outputs['dimension']], ['enterprise-knowledge-base', 'text-embedding-ada-002', 1, 64]);
  assert.equal(server.requests.length, 1);
  await server.close();
  const replayed = json<RunDocument>(await runCli(['mission', 'execute', name, '--json', '--replay', 'rec', ...flags], { cwd: project.dir, home: project.home, env }));
  assert.equal(replayed.status, 'succeeded', JSON.stringify(replayed.steps.map((s) => s.error)));
  assert.deepEqual(replayed.steps[0]!.outputs, { ...outputs, replaced: 1 });
});
