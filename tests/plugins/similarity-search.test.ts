import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeLlm } from '@rustchain/testing/fake-llm';
import { ragProject, runRag } from './rag-helpers.ts';

/** similarity_search through the real engine: a vector from generate_embedding (a template), or a query text. */

async function fake(t: { after(fn: () => Promise<void>): void }) {
  const server = await startFakeLlm({ dimensions: 128 });
  t.after(() => server.close());
  return { server, host: new URL(server.url).host, url: server.openaiBaseUrl };
}

const seed = (url: string) => [
  { id: 'a1', step_type: 'rag_add', parameters: { id: 'owl', content: 'owls hunt at night with silent feathers', metadata: { kind: 'bird' }, base_url: url, model: 'm' } },
  { id: 'a2', step_type: 'rag_add', parameters: { id: 'kiln', content: 'a kiln fires clay pots at high heat', metadata: { kind: 'craft' }, base_url: url, model: 'm' } },
  { id: 'a3', step_type: 'rag_add', parameters: { id: 'hawk', content: 'hawks hunt by day with sharp eyes', metadata: { kind: 'bird' }, base_url: url, model: 'm' } },
];

test('similarity_search: top_k nearest to a generate_embedding vector (passed by template), best first', async (t) => {
  const { host, url } = await fake(t);
  const project = await ragProject(t);
  const run = await runRag(project, [
    ...seed(url),
    { id: 'e', step_type: 'generate_embedding', parameters: { text: 'which birds hunt at night', base_url: url, model: 'm' } },
    { id: 's', step_type: 'similarity_search', depends_on: ['e', 'a1', 'a2', 'a3'], parameters: { query_embedding: '${{ steps.e.outputs.embedding }}', top_k: 2 } },
    { id: 'birds', step_type: 'similarity_search', depends_on: ['e', 'a1', 'a2', 'a3'], parameters: { query_embedding: '${{ steps.e.outputs.embedding }}', filter: { kind: 'bird' }, database: 'default', metric: 'cosine' } },
  ], { allowNet: [host] });
  assert.ok(run.statuses.every((s) => s[1] === 'succeeded'), JSON.stringify(run.statuses));
  const s = run.outputs['s']!;
  assert.deepEqual([s['count'], s['top_k'], s['metric'], s['database'], s['dimension']], [2, 2, 'cosine', 'default', 128]);
  assert.equal((s['results'] as Array<{ document_id: string }>)[0]!.document_id, 'owl');
  assert.deepEqual((run.outputs['birds']!['results'] as Array<{ document_id: string }>).map((r) => r.document_id), ['owl', 'hawk']);
});

test('similarity_search: a `query` text is embedded first; a vector of another dimension is E_RAG_DIMENSION_MISMATCH; neither is E_PARAMS_INVALID', async (t) => {
  const { server, host, url } = await fake(t);
  const project = await ragProject(t);
  const run = await runRag(project, [
    ...seed(url),
    { id: 'text', step_type: 'similarity_search', depends_on: ['a1', 'a2', 'a3'], parameters: { query: 'clay pots in a kiln', base_url: url, model: 'm', top_k: 1 } },
    { id: 'other_model', step_type: 'similarity_search', depends_on: ['a1', 'a2', 'a3'], parameters: { query: 'clay', base_url: url, model: 'another' } },
    { id: 'short', step_type: 'similarity_search', depends_on: ['a1'], parameters: { query_embedding: [0.1, 0.2, 0.3, 0.4, 0.5], database: 'default', top_k: 5 } },
    { id: 'neither', step_type: 'similarity_search', parameters: { top_k: 3 } },
    { id: 'empty', step_type: 'similarity_search', parameters: { query: 'nothing stored here', database: 'none', base_url: url } },
  ], { allowNet: [host] });
  assert.deepEqual(run.statuses.slice(3), [
    ['text', 'succeeded', null], ['other_model', 'failed', 'E_RAG_MODEL_MISMATCH'], ['short', 'failed', 'E_RAG_DIMENSION_MISMATCH'],
    ['neither', 'failed', 'E_PARAMS_INVALID'], ['empty', 'succeeded', null],
  ]);
  assert.deepEqual((run.outputs['text']!['results'] as Array<{ document_id: string }>).map((r) => r.document_id), ['kiln']);
  // 3 adds + `text` + `other_model`; `empty` asked nothing (no such database).
  assert.equal(server.requests.length, 5);
});
