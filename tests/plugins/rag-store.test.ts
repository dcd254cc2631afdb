import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { chunkText, VectorStore, type ChunkInput } from '@rustchain/plugin-rag-add/store';
import { rejectsWith, tempDir } from '../core/capabilities/helpers.ts';

/** The vector store and chunker on their own: real SQLite files in a temp dir. */

const f32 = (values: readonly number[]): Float32Array => Float32Array.from(values);
const chunk = (id: string, embedding: readonly number[], metadata: Record<string, unknown> = {}, documentId = id): ChunkInput => ({
  id, documentId, chunkIndex: 0, content: `text of ${id}`, metadata, embedding: f32(embedding),
});

async function openStore(t: Parameters<typeof tempDir>[0]): Promise<VectorStore> {
  const store = VectorStore.open(join(await tempDir(t, 'rc-rag-'), 'vectors.sqlite'));
  t.after(async () => store.close());
  return store;
}

/** Cosine similarity as a reader would write it, from the float32 values the store keeps. */
function bruteCosine(a: readonly number[], b: readonly number[]): number {
  const x = Array.from(f32(a));
  const y = Array.from(f32(b));
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < x.length; i++) {
    d += x[i]! * y[i]!;
    na += x[i]! * x[i]!;
    nb += y[i]! * y[i]!;
  }
  return na === 0 || nb === 0 ? 0 : d / Math.sqrt(na * nb);
}

test('store: cosine top-k, best first, with limit and threshold', async (t) => {
  const store = await openStore(t);
  store.replaceDocuments('default', 'm', ['a', 'b', 'c', 'd'], [
    chunk('a', [1, 0, 0]), chunk('b', [0.9, 0.1, 0]), chunk('c', [0, 1, 0]), chunk('d', [-1, 0, 0]),
  ]);
  const { hits, scanned } = await store.search('default', [1, 0, 0], { limit: 3 });
  assert.equal(scanned, 4);
  assert.deepEqual(hits.map((h) => h.id), ['a', 'b', 'c']);
  assert.ok(Math.abs(hits[0]!.score - 1) < 1e-6);
  const above = (await store.search('default', [1, 0, 0], { limit: 10, threshold: 0.5 })).hits;
  assert.deepEqual(above.map((h) => h.id), ['a', 'b']);
  assert.deepEqual((await store.search('default', [1, 0, 0], { limit: 0 })).hits, []);
});

test('store: an unknown collection has no hits; info reports model, dimension and size', async (t) => {
  const store = await openStore(t);
  assert.deepEqual(await store.search('nothing', [1, 2], { limit: 5 }), { hits: [], scanned: 0 });
  assert.equal(store.info('nothing'), null);
  store.replaceDocuments('kb', 'embed-1', ['a'], [chunk('a', [1, 2])]);
  assert.deepEqual(store.info('kb'), { name: 'kb', model: 'embed-1', dimension: 2, chunks: 1 });
});

test('store: mixing dimensions or models in one collection is refused, other collections are independent', async (t) => {
  const store = await openStore(t);
  store.replaceDocuments('default', 'm', ['a'], [chunk('a', [1, 0, 0])]);
  await rejectsWith(Promise.resolve().then(() => store.replaceDocuments('default', 'm', ['b'], [chunk('b', [1, 0])])), 'E_RAG_DIMENSION_MISMATCH');
  await rejectsWith(Promise.resolve().then(() => store.replaceDocuments('default', 'other', ['b'], [chunk('b', [1, 0, 0])])), 'E_RAG_MODEL_MISMATCH');
  await rejectsWith(store.search('default', [1, 0], { limit: 1 }), 'E_RAG_DIMENSION_MISMATCH');
  await rejectsWith(store.search('default', [1, 0, 0], { limit: 1, model: 'other' }), 'E_RAG_MODEL_MISMATCH');
  // A chunk list mixing dimensions is refused as a whole: nothing of it is stored.
  await rejectsWith(Promise.resolve().then(() => store.replaceDocuments('fresh', 'm', ['x', 'y'], [chunk('x', [1, 0]), chunk('y', [1, 0, 0])])), 'E_RAG_DIMENSION_MISMATCH');
  assert.equal(store.info('fresh'), null);
  store.replaceDocuments('small', 'other', ['b'], [chunk('b', [1, 0])]);
  assert.equal(store.info('default')!.chunks, 1);
});

test('store: re-adding a document replaces its chunks (twice equals once)', async (t) => {
  const store = await openStore(t);
  const twoChunks = [{ ...chunk('doc_chunk_0', [1, 0], {}, 'doc') }, { ...chunk('doc_chunk_1', [0, 1], {}, 'doc'), chunkIndex: 1 }];
  store.replaceDocuments('default', 'm', ['doc'], twoChunks);
  assert.deepEqual(store.replaceDocuments('default', 'm', ['doc'], twoChunks), { stored: 2, removed: 2 });
  assert.equal(store.info('default')!.chunks, 2);
  store.replaceDocuments('default', 'm', ['doc'], [chunk('doc_chunk_0', [1, 1], {}, 'doc')]);
  assert.deepEqual((await store.search('default', [0, 1], { limit: 5 })).hits.map((h) => [h.id, h.documentId]), [['doc_chunk_0', 'doc']]);
});

test('store: metadata filters are typed equality on every key given', async (t) => {
  const store = await openStore(t);
  store.replaceDocuments('default', 'm', ['a', 'b', 'c', 'd', 'e'], [
    chunk('a', [1, 0], { lang: 'en', year: 2024, public: true, tags: ['x', 'y'] }),
    chunk('b', [1, 0.1], { lang: 'fr', year: 2024, public: false }),
    chunk('c', [1, 0.2], { lang: 'en', year: '2024', owner: null }),
    chunk('d', [1, 0.3], { lang: 'en', year: 2023.5, nested: { k: 1 } }),
    chunk('e', [1, 0.4], {}),
  ]);
  const ids = async (filter: Record<string, unknown>): Promise<string[]> => (await store.search('default', [1, 0], { limit: 10, filter })).hits.map((h) => h.id);
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{}, ['a', 'b', 'c', 'd', 'e']],
    [{ lang: 'en' }, ['a', 'c', 'd']],
    [{ lang: 'en', year: 2024 }, ['a']],
    [{ year: '2024' }, ['c']],
    [{ year: 2023.5 }, ['d']],
    [{ public: true }, ['a']],
    [{ public: false }, ['b']],
    [{ owner: null }, ['c']],
    [{ tags: ['x', 'y'] }, ['a']],
    [{ tags: ['y', 'x'] }, []],
    [{ nested: { k: 1 } }, ['d']],
    [{ missing: 'x' }, []],
  ];
  for (const [filter, expected] of cases) assert.deepEqual(await ids(filter), expected, JSON.stringify(filter));
  await rejectsWith(ids({ 'bad"key': 1 }), 'E_RAG_FILTER_INVALID');
});

test('store: the file persists across opens', async (t) => {
  const file = join(await tempDir(t, 'rc-rag-'), 'vectors.sqlite');
  const first = VectorStore.open(file);
  first.replaceDocuments('default', 'm', ['a'], [chunk('a', [0.5, 0.5], { k: 'v' })]);
  first.close();
  const second = VectorStore.open(file);
  t.after(() => second.close());
  const [hit] = (await second.search('default', [1, 1], { limit: 1 })).hits;
  assert.deepEqual({ ...hit, score: Math.round(hit!.score * 1e6) / 1e6 }, { id: 'a', documentId: 'a', chunkIndex: 0, content: 'text of a', metadata: { k: 'v' }, score: 1 });
});

test('store: a file that is not a store is E_RAG_STORE_FAILED', async (t) => {
  const dir = await tempDir(t, 'rc-rag-');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'junk.sqlite'), 'this is not a database, just text long enough to be read as a header');
  await rejectsWith(Promise.resolve().then(() => VectorStore.open(join(dir, 'junk.sqlite'))), 'E_RAG_STORE_FAILED');
});

test('store property: top-k equals a brute-force sort of every vector passing threshold and filter', async (t) => {
  const store = await openStore(t);
  let round = 0;
  const component = fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 6 }).chain((dim) =>
        fc.record({
          vectors: fc.array(fc.record({ v: fc.array(component, { minLength: dim, maxLength: dim }), group: fc.constantFrom('a', 'b') }), { minLength: 1, maxLength: 60 }),
          query: fc.array(component, { minLength: dim, maxLength: dim }),
          limit: fc.integer({ min: 0, max: 70 }),
          threshold: fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: undefined }),
          group: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
        }),
      ),
      async ({ vectors, query, limit, threshold, group }) => {
        const name = `c${round++}`;
        const chunks = vectors.map(({ v, group: g }, i) => chunk(`v${i}`, v, { group: g }));
        store.replaceDocuments(name, 'm', chunks.map((c) => c.id), chunks);
        const filter = group === undefined ? undefined : { group };
        const got = (await store.search(name, query, { limit, threshold, filter })).hits;
        // The unfiltered first search cached the vectors; a second search scores the copy and must agree.
        const again = (await store.search(name, query, { limit, threshold, filter })).hits;
        assert.deepEqual(again, got);
        const expected = vectors
          .map(({ v, group: g }, i) => ({ id: `v${i}`, group: g, score: bruteCosine(query, v) }))
          .filter((e) => (threshold === undefined || e.score >= threshold - 1e-9) && (group === undefined || e.group === group))
          .sort((x, y) => y.score - x.score);
        // Scores equal the brute force's rank by rank; near-ties may order either way.
        const strictCount = expected.filter((e) => threshold === undefined || e.score >= threshold + 1e-9).length;
        assert.ok(got.length >= Math.min(limit, strictCount) && got.length <= Math.min(limit, expected.length));
        const byId = new Map(expected.map((e) => [e.id, e.score]));
        got.forEach((hit, rank) => {
          assert.ok(Math.abs(hit.score - expected[rank]!.score) < 1e-9, `rank ${rank}`);
          assert.ok(Math.abs(hit.score - byId.get(hit.id)!) < 1e-9, hit.id);
        });
        assert.equal(new Set(got.map((h) => h.id)).size, got.length);
      },
    ),
    { numRuns: 150 },
  );
});

test('chunker: windows of chunk_size code points stepping by chunk_size - overlap, ids as the original', () => {
  assert.deepEqual(chunkText('short', 'd', 10, 2), [{ id: 'd_chunk_0', index: 0, content: 'short', start: 0, end: 5 }]);
  assert.deepEqual(chunkText('abcdefghij', 'd', 4, 1).map((c) => c.content), ['abcd', 'defg', 'ghij']);
  assert.deepEqual(chunkText('😀😀😀😀😀', 'e', 2, 0).map((c) => c.content), ['😀😀', '😀😀', '😀']);
});

test('chunker property: chunks cover the text in order and each overlaps the next by `overlap`', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: 50 }), fc.nat(), (text, size, o) => {
      const overlap = o % size;
      const chunks = chunkText(text, 'x', size, overlap);
      const chars = Array.from(text);
      assert.equal(chunks[0]!.start, 0);
      assert.equal(chunks.at(-1)!.end, chars.length);
      for (const [i, c] of chunks.entries()) {
        assert.equal(c.content, chars.slice(c.start, c.end).join(''));
        assert.ok(c.end - c.start <= size);
        const next = chunks[i + 1];
        if (next !== undefined) assert.equal(next.start, c.end - overlap);
      }
    }),
  );
});

test('store: an aborted signal stops a scan between batches', async (t) => {
  const store = await openStore(t);
  const chunks = Array.from({ length: 5000 }, (_, i) => chunk(`v${i}`, [1, i % 7]));
  store.replaceDocuments('big', 'm', [], chunks);
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  await assert.rejects(store.search('big', [1, 0], { limit: 3, signal: controller.signal }), /stop/);
  // The connection is usable afterwards: the read transaction was closed.
  assert.equal((await store.search('big', [1, 0], { limit: 3 })).scanned, 5000);
});

test('store: a search after a write never sees a stale cached copy (same process, another connection)', async (t) => {
  const file = join(await tempDir(t, 'rc-rag-'), 'vectors.sqlite');
  const reader = VectorStore.open(file);
  const writer = VectorStore.open(file);
  t.after(() => {
    reader.close();
    writer.close();
  });
  writer.replaceDocuments('default', 'm', ['a'], [chunk('a', [1, 0])]);
  assert.deepEqual((await reader.search('default', [0, 1], { limit: 5 })).hits.map((h) => h.id), ['a']);
  writer.replaceDocuments('default', 'm', ['b'], [chunk('b', [0, 1])]);
  assert.deepEqual((await reader.search('default', [0, 1], { limit: 5 })).hits.map((h) => h.id), ['b', 'a']);
  writer.replaceDocuments('default', 'm', ['b'], []);
  assert.deepEqual((await reader.search('default', [0, 1], { limit: 5 })).hits.map((h) => h.id), ['a']);
  // Filtered searches over the cached copy.
  writer.replaceDocuments('default', 'm', ['c'], [chunk('c', [1, 1], { k: 1 })]);
  await reader.search('default', [0, 1], { limit: 5 });
  assert.deepEqual((await reader.search('default', [0, 1], { limit: 5, filter: { k: 1 } })).hits.map((h) => h.id), ['c']);
});

test('store: a version-1 file is migrated in place', async (t) => {
  const file = join(await tempDir(t, 'rc-rag-'), 'v1.sqlite');
  const { createRequire } = await import('node:module');
  const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Driver(file);
  db.exec(`CREATE TABLE collections (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, model TEXT, dimension INTEGER NOT NULL CHECK (dimension > 0), created_at TEXT NOT NULL);
    CREATE TABLE chunks (rowid INTEGER PRIMARY KEY, collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE, norm REAL NOT NULL, embedding BLOB NOT NULL, id TEXT NOT NULL, document_id TEXT NOT NULL, chunk_index INTEGER NOT NULL, content TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (collection_id, id));
    CREATE INDEX chunks_by_collection ON chunks (collection_id);
    PRAGMA user_version = 1;`);
  db.close();
  const store = VectorStore.open(file);
  t.after(() => store.close());
  store.replaceDocuments('default', 'm', ['a'], [chunk('a', [1, 0])]);
  assert.equal((await store.search('default', [1, 0], { limit: 1 })).hits[0]?.id, 'a');
});
