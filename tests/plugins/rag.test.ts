import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeLlm, type FakeLlmServer } from '@rustchain/testing/fake-llm';
import { VectorStore } from '@rustchain/plugin-rag-add/store';
import { ragProject, runRag } from './rag-helpers.ts';

/** rag_add and rag_query through the real engine, against the fake embeddings server, on a real SQLite store in the state dir. */

const DOCS = {
  cats: 'Cats are small domestic felines that purr and chase mice around the house',
  rust: 'Rust is a systems programming language with ownership and borrowing rules',
  tea: 'Green tea is brewed from the leaves of the camellia plant',
};

async function fake(t: { after(fn: () => Promise<void>): void }, dimensions = 256): Promise<FakeLlmServer & { host: string; embeddingCalls(): number }> {
  const server = await startFakeLlm({ dimensions });
  t.after(() => server.close());
  return Object.assign(server, {
    host: new URL(server.url).host,
    embeddingCalls: () => server.requests.filter((r) => r.api === 'openai.embeddings').length,
  });
}

const add = (id: string, content: string, extra: Record<string, unknown> = {}, base_url = ''): Record<string, unknown> => ({
  id: `add_${id}`, step_type: 'rag_add', parameters: { id, content, base_url, model: 'fake-embed', ...extra },
});

test('rag_add then rag_query: best match first, context joined, limit, threshold, metadata filter', async (t) => {
  const llm = await fake(t);
  const project = await ragProject(t);
  const url = llm.openaiBaseUrl;
  const added = await runRag(project, [
    add('cats', DOCS.cats, { metadata: { topic: 'animals', year: 2024 } }, url),
    add('rust', DOCS.rust, { metadata: { topic: 'code', year: 2024 } }, url),
    add('tea', DOCS.tea, { metadata: { topic: 'drinks', year: 2023 } }, url),
  ], { allowNet: [llm.host] });
  assert.deepEqual(added.statuses.map((s) => s[1]), ['succeeded', 'succeeded', 'succeeded'], JSON.stringify(added.statuses));
  // Adding without a model to an existing collection uses the collection's (no E_RAG_MODEL_MISMATCH).
  const more = await runRag(project, [{ id: 'more', step_type: 'rag_add', parameters: { id: 'misc', content: 'unrelated words here', base_url: url } }], { allowNet: [llm.host] });
  assert.deepEqual([more.statuses, more.outputs['more']?.['model']], [[['more', 'succeeded', null]], 'fake-embed']);
  assert.deepEqual(added.outputs['add_rust'], {
    ids: ['rust'], chunks: 1, replaced: 0, database: 'default', model: 'fake-embed', provider: 'openai', dimension: 256,
    usage: { input_tokens: Math.ceil(DOCS.rust.length / 4) },
  });
  const query = (id: string, params: Record<string, unknown>) => ({ id, step_type: 'rag_query', parameters: { base_url: url, model: 'fake-embed', ...params } });
  const run = await runRag(project, [
    query('best', { query: 'which programming language has ownership and borrowing' }),
    query('two', { query: 'which programming language has ownership and borrowing', limit: 2 }),
    query('close', { query: 'which programming language has ownership and borrowing', threshold: 0.5 }),
    query('filtered', { query: 'which programming language has ownership and borrowing', filter: { year: 2023 } }),
    query('joined', { query: 'cats purr and chase mice', limit: 2, separator: '\n---\n' }),
    { id: 'default_model', step_type: 'rag_query', parameters: { base_url: url, query: 'green tea leaves', limit: 1 } },
  ], { allowNet: [llm.host] });
  assert.deepEqual(run.statuses.map((s) => s[1]), ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded'], JSON.stringify(run.statuses));
  const ids = (step: string): string[] => (run.outputs[step]!['results'] as Array<{ document_id: string }>).map((r) => r.document_id);
  assert.equal(ids('best').length, 4);
  assert.equal(ids('best')[0], 'rust');
  assert.deepEqual(ids('two'), ids('best').slice(0, 2));
  assert.deepEqual(ids('close'), ['rust']);
  assert.deepEqual(ids('filtered'), ['tea']);
  const best = run.outputs['best']!['results'] as Array<{ id: string; score: number; metadata: unknown; content: string; chunk_index: number }>;
  assert.deepEqual({ ...best[0], score: undefined }, { id: 'rust_chunk_0', document_id: 'rust', chunk_index: 0, content: DOCS.rust, score: undefined, metadata: { topic: 'code', year: 2024 } });
  assert.ok(best[0]!.score > best[1]!.score && best[1]!.score >= best[2]!.score);
  assert.equal(run.outputs['best']!['context'], best.map((r) => r.content).join('\n\n'));
  const joined = run.outputs['joined']!;
  assert.equal(ids('joined')[0], 'cats');
  assert.equal(joined['context'], (joined['results'] as Array<{ content: string }>).map((r) => r.content).join('\n---\n'));
  assert.equal(joined['count'], 2);
  // Without `model`, the query is embedded with the collection's.
  assert.deepEqual([run.outputs['default_model']!['model'], ids('default_model')], ['fake-embed', ['tea']]);
  const asked = llm.requests.find((r) => JSON.stringify(r.body?.['input']) === JSON.stringify(['green tea leaves']));
  assert.equal(asked?.body?.['model'], 'fake-embed');
});

test('rag_add chunks long content (chunk_size, overlap), embeds in batch_size requests; re-adding replaces its chunks', async (t) => {
  const llm = await fake(t, 32);
  const project = await ragProject(t);
  const content = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
  const step = add('long', content, { chunk_size: 60, overlap: 10, batch_size: 4 }, llm.openaiBaseUrl);
  const first = await runRag(project, [step], { allowNet: [llm.host] });
  assert.equal(first.statuses[0]![1], 'succeeded', JSON.stringify(first.statuses));
  const chunks = first.outputs['add_long']!['chunks'] as number;
  const expected = Math.ceil((Array.from(content).length - 10) / 50);
  assert.equal(chunks, expected);
  assert.equal(llm.embeddingCalls(), Math.ceil(chunks / 4));
  const second = await runRag(project, [step], { allowNet: [llm.host] });
  assert.deepEqual([second.outputs['add_long']!['chunks'], second.outputs['add_long']!['replaced']], [chunks, chunks]);
  const store = VectorStore.open(project.storeFile);
  t.after(() => store.close());
  assert.deepEqual(store.info('default'), { name: 'default', model: 'fake-embed', dimension: 32, chunks });
});

test('one database holds one dimension: E_RAG_DIMENSION_MISMATCH, while another database takes the new size', async (t) => {
  const llm = await fake(t, 64);
  const project = await ragProject(t);
  const url = llm.openaiBaseUrl;
  const run = await runRag(project, [
    add('a', DOCS.cats, {}, url),
    { ...add('b', DOCS.tea, { dimensions: 16 }, url), depends_on: ['add_a'] },
    { ...add('c', DOCS.tea, { dimensions: 16, database: 'small' }, url), depends_on: ['add_a'] },
    { id: 'q', step_type: 'rag_query', depends_on: ['add_c'], parameters: { query: 'tea', base_url: url, model: 'fake-embed', database: 'small', dimensions: 8 } },
  ], { allowNet: [llm.host] });
  assert.deepEqual(run.statuses, [
    ['add_a', 'succeeded', null], ['add_b', 'failed', 'E_RAG_DIMENSION_MISMATCH'], ['add_c', 'succeeded', null], ['q', 'failed', 'E_RAG_DIMENSION_MISMATCH'],
  ]);
});

test('a host the policy does not allow: refused before any request (static base_url, and one from settings at run time)', async (t) => {
  const llm = await fake(t);
  const project = await ragProject(t);
  const refused = await runRag(project, [add('a', DOCS.cats, {}, llm.openaiBaseUrl)], { allowNet: [] });
  assert.equal(refused.result, null);
  assert.deepEqual(refused.diagnostics.map((d) => [d.code, d.pointer]), [['E_POLICY_HOST_DENIED', '/steps/0/parameters/base_url']]);
  const settings = { llm: { providers: { local: { base_url: llm.openaiBaseUrl, embedding_model: 'fake-embed' } } } };
  const atRunTime = await runRag(project, [
    { id: 'add', step_type: 'rag_add', parameters: { id: 'a', content: DOCS.cats, provider: 'local' } },
  ], { allowNet: [], settings });
  assert.deepEqual(atRunTime.statuses, [['add', 'failed', 'E_POLICY_HOST_DENIED']]);
  assert.equal(llm.requests.length, 0);
  // Allowed, the same settings work.
  const allowed = await runRag(project, [{ id: 'add', step_type: 'rag_add', parameters: { id: 'a', content: DOCS.cats, provider: 'local' } }], { allowNet: [llm.host], settings });
  assert.deepEqual(allowed.statuses, [['add', 'succeeded', null]]);
});

test('rag_query on a database that does not exist: no results and no embeddings request', async (t) => {
  const llm = await fake(t);
  const project = await ragProject(t);
  const run = await runRag(project, [{ id: 'q', step_type: 'rag_query', parameters: { query: 'anything', base_url: llm.openaiBaseUrl, database: 'empty' } }], { allowNet: [llm.host] });
  assert.deepEqual(run.statuses, [['q', 'succeeded', null]]);
  assert.deepEqual([run.outputs['q']!['results'], run.outputs['q']!['context'], run.outputs['q']!['count']], [[], '', 0]);
  assert.equal(llm.requests.length, 0);
});

test('without a state dir the store is unavailable: E_DATA_UNAVAILABLE, before any request', async (t) => {
  const llm = await fake(t);
  const project = await ragProject(t);
  const run = await runRag(project, [add('a', DOCS.cats, {}, llm.openaiBaseUrl)], { allowNet: [llm.host], withoutStateDir: true });
  assert.deepEqual(run.statuses, [['add_a', 'failed', 'E_DATA_UNAVAILABLE']]);
  assert.equal(llm.requests.length, 0);
});

test('bad input: codes, not crashes', async (t) => {
  const llm = await fake(t);
  const project = await ragProject(t);
  const url = llm.openaiBaseUrl;
  const run = await runRag(project, [
    { id: 'nothing', step_type: 'rag_add', parameters: { base_url: url } },
    { id: 'id_only', step_type: 'rag_add', parameters: { id: 'x', base_url: url } },
    { id: 'overlap', step_type: 'rag_add', parameters: { id: 'x', content: 'text', chunk_size: 10, overlap: 10, base_url: url } },
    { id: 'twice', step_type: 'rag_add', parameters: { documents: [{ id: 'd', content: 'one' }, { id: 'd', content: 'two' }], base_url: url } },
    { id: 'bad_filter', step_type: 'rag_add', parameters: { id: 'y', content: 'some words', base_url: url } },
    { id: 'q', step_type: 'rag_query', depends_on: ['bad_filter'], parameters: { query: 'words', filter: { 'a"b': 1 }, base_url: url } },
  ], { allowNet: [llm.host] });
  assert.deepEqual(run.statuses, [
    ['nothing', 'failed', 'E_PARAMS_INVALID'], ['id_only', 'failed', 'E_PARAMS_INVALID'], ['overlap', 'failed', 'E_PARAMS_INVALID'],
    ['twice', 'failed', 'E_PARAMS_INVALID'], ['bad_filter', 'succeeded', null], ['q', 'failed', 'E_RAG_FILTER_INVALID'],
  ]);
  const invalid = await runRag(project, [
    { id: 'q', step_type: 'rag_query', parameters: { limit: 0 } },
    { id: 'a', step_type: 'rag_add', parameters: { id: 'x', content: '', chunk_size: 0 } },
  ]);
  assert.equal(invalid.result, null);
  // Caught at validation, each at its field.
  assert.deepEqual(invalid.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.pointer]).sort(), [
    ['E_PARAMS_INVALID', '/steps/0/parameters/limit'], ['E_PARAMS_INVALID', '/steps/0/parameters/query'],
    ['E_PARAMS_INVALID', '/steps/1/parameters/chunk_size'], ['E_PARAMS_INVALID', '/steps/1/parameters/content'],
  ]);
});

test('documents: the converted-mission form (documents, index_name, embedding_model) stores one document per entry', async (t) => {
  const llm = await fake(t, 32);
  const project = await ragProject(t);
  const run = await runRag(project, [{
    id: 'step_1', step_type: 'rag_add', parameters: {
      api_key_env: 'OPENAI_API_KEY', chunk_size: 1000, documents: '{{input_documents}}', embedding_model: 'text-embedding-ada-002',
      enterprise_vectorization: true, index_name: 'enterprise-knowledge-base', vector_store_type: 'Pinecone', base_url: llm.openaiBaseUrl,
    },
  }, {
    id: 'many', step_type: 'rag_add', parameters: { documents: ['first text', { id: 'named', content: 'second text', metadata: { k: 1 } }], metadata: { src: 'x' }, base_url: llm.openaiBaseUrl },
  }], { allowNet: [llm.host] });
  assert.deepEqual(run.statuses.map((s) => s[1]), ['succeeded', 'succeeded'], JSON.stringify(run.statuses));
  assert.equal(run.outputs['step_1']!['database'], 'enterprise-knowledge-base');
  assert.equal(run.outputs['step_1']!['model'], 'text-embedding-ada-002');
  const ids = run.outputs['many']!['ids'] as string[];
  assert.match(ids[0]!, /^doc_[0-9a-f]{16}$/);
  assert.equal(ids[1], 'named');
  const store = VectorStore.open(project.storeFile);
  t.after(() => store.close());
  const { hits } = await store.search('default', Array.from({ length: 32 }, () => 1), { limit: 5, filter: { src: 'x' } });
  assert.deepEqual(hits.map((h) => h.metadata).sort((a, b) => Object.keys(a).length - Object.keys(b).length), [{ src: 'x' }, { src: 'x', k: 1 }]);
});

test('parallel rag_add steps share one store file (WAL, immediate transactions): every document lands', async (t) => {
  const llm = await fake(t, 16);
  const project = await ragProject(t);
  const steps = Array.from({ length: 8 }, (_, i) => add(`d${i}`, `document number ${i} about topic ${i}`, {}, llm.openaiBaseUrl));
  const run = await runRag(project, steps, { allowNet: [llm.host] });
  assert.ok(run.statuses.every((s) => s[1] === 'succeeded'), JSON.stringify(run.statuses));
  const store = VectorStore.open(project.storeFile);
  t.after(() => store.close());
  assert.equal(store.info('default')?.chunks, 8);
});

test('a 429 with retry-after from the embeddings endpoint is retried; the document is stored once', async (t) => {
  const llm = await fake(t, 16);
  const project = await ragProject(t);
  llm.enqueue({ error: { status: 429, message: 'slow down', type: 'rate_limit_error', retry_after: 0 } });
  const run = await runRag(project, [add('a', DOCS.tea, {}, llm.openaiBaseUrl)], { allowNet: [llm.host] });
  assert.deepEqual(run.statuses, [['add_a', 'succeeded', null]]);
  assert.equal(llm.embeddingCalls(), 2);
  assert.equal(run.outputs['add_a']!['chunks'], 1);
});

test('config.llm_budget: embedding input tokens count; the call that would exceed it is not made (E_LLM_BUDGET_EXCEEDED)', async (t) => {
  const llm = await fake(t, 16);
  const project = await ragProject(t);
  const url = llm.openaiBaseUrl;
  // ~19 estimated tokens each (4 characters a token): the budget holds the first add, not the second.
  const run = await runRag(project, [
    add('cats', DOCS.cats, {}, url),
    { ...add('tea', DOCS.tea, {}, url), depends_on: ['add_cats'] },
    { id: 'q', step_type: 'rag_query', depends_on: ['add_tea'], parameters: { query: 'cats', base_url: url } },
  ], { allowNet: [llm.host], config: { llm_budget: { max_input_tokens: 25 } } });
  assert.deepEqual(run.statuses, [['add_cats', 'succeeded', null], ['add_tea', 'failed', 'E_LLM_BUDGET_EXCEEDED'], ['q', 'skipped', 'E_UPSTREAM_FAILED']]);
  assert.equal(llm.embeddingCalls(), 1);
  const query = await runRag(project, [{ id: 'q', step_type: 'rag_query', parameters: { query: 'cats purr', base_url: url } }], {
    allowNet: [llm.host], config: { llm_budget: { max_input_tokens: 1 } },
  });
  assert.deepEqual(query.statuses, [['q', 'failed', 'E_LLM_BUDGET_EXCEEDED']]);
  assert.equal(llm.embeddingCalls(), 1);
});

test('with a price table (settings.llm.prices) the embedding steps report their cost', async (t) => {
  const llm = await fake(t, 16);
  const project = await ragProject(t);
  const url = llm.openaiBaseUrl;
  const settings = { llm: { prices: { 'fake-embed': { input: 0.02, output: 0 } } } };
  const run = await runRag(project, [
    add('tea', DOCS.tea, {}, url),
    { id: 'e', step_type: 'generate_embedding', parameters: { text: 'green tea', base_url: url, model: 'fake-embed' } },
    { id: 'q', step_type: 'rag_query', depends_on: ['add_tea'], parameters: { query: 'green tea', base_url: url } },
  ], { allowNet: [llm.host], settings });
  assert.ok(run.statuses.every((s) => s[1] === 'succeeded'), JSON.stringify(run.statuses));
  for (const id of ['add_tea', 'e', 'q']) {
    const out = run.outputs[id]!;
    const tokens = (out['usage'] as { input_tokens: number }).input_tokens;
    assert.ok(Math.abs((out['cost'] as number) - (tokens * 0.02) / 1e6) < 1e-12, id);
  }
});

test('a stalled embeddings endpoint: the step timeout cancels the request and nothing is stored', async (t) => {
  const llm = await fake(t, 16);
  const project = await ragProject(t);
  llm.enqueue({ stall: true });
  const run = await runRag(project, [{ ...add('a', DOCS.tea, { max_retries: 0 }, llm.openaiBaseUrl), timeout_seconds: 1 }], { allowNet: [llm.host] });
  assert.deepEqual(run.statuses, [['add_a', 'failed', 'E_STEP_TIMEOUT']]);
  const store = VectorStore.open(project.storeFile);
  t.after(() => store.close());
  assert.equal(store.info('default'), null);
});
