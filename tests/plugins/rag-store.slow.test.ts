import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VectorStore, type ChunkInput } from '@rustchain/plugin-rag-add/store';
import { tempDir } from '../core/capabilities/helpers.ts';

/**
 * Scale: 100,000 chunks of dimension 384 in one collection. Prints insert and query figures
 * (no timing assert: the machine is shared); asserts only what the results must be.
 */

const COUNT = 100_000;
const DIM = 384;
const BATCH = 1_000;

/** Deterministic pseudo-random vectors (xorshift), so a run is repeatable. */
function vectors(seed: number): () => Float32Array {
  let s = seed >>> 0 || 1;
  return () => {
    const v = new Float32Array(DIM);
    for (let i = 0; i < DIM; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      v[i] = ((s >>> 0) / 0xffffffff) * 2 - 1;
    }
    return v;
  };
}

test(`store scale: ${COUNT} chunks of dimension ${DIM}: insert, then top-10 queries`, async (t) => {
  const file = join(await tempDir(t, 'rc-rag-scale-'), 'vectors.sqlite');
  const store = VectorStore.open(file);
  t.after(() => store.close());
  const next = vectors(42);
  let inserted = 0;
  const insertStart = process.hrtime.bigint();
  let probe: Float32Array | undefined;
  while (inserted < COUNT) {
    const chunks: ChunkInput[] = [];
    for (let i = 0; i < BATCH; i++, inserted++) {
      const embedding = next();
      if (inserted === 77_777) probe = embedding;
      chunks.push({ id: `c${inserted}`, documentId: `c${inserted}`, chunkIndex: 0, content: `chunk ${inserted}`, metadata: { shard: inserted % 10 }, embedding });
    }
    store.replaceDocuments('scale', 'bench', [], chunks);
  }
  const insertMs = Number(process.hrtime.bigint() - insertStart) / 1e6;
  assert.equal(store.info('scale')!.chunks, COUNT);

  const query = async (filter?: Record<string, unknown>): Promise<{ ms: number; cpuMs: number; ids: string[] }> => {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const { hits, scanned } = await store.search('scale', probe!, { limit: 10, filter });
    const used = process.cpuUsage(cpu);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.equal(scanned, filter === undefined ? COUNT : COUNT / 10);
    return { ms, cpuMs: (used.user + used.system) / 1000, ids: hits.map((h) => h.id) };
  };
  // First search: reads the table (and keeps the vectors in memory); later ones score the copy.
  const cold = await query();
  const warm = [await query(), await query(), await query()];
  const filtered = [await query({ shard: 7 }), await query({ shard: 7 })];
  // The probe vector is in the store: it is its own best match.
  for (const r of [cold, ...warm, ...filtered]) assert.equal(r.ids[0], 'c77777');
  assert.deepEqual(warm[0]!.ids, cold.ids);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const figures = {
    chunks: COUNT,
    dimension: DIM,
    file_mb: Math.round(statSync(file).size / 1e5) / 10,
    insert_ms: Math.round(insertMs),
    insert_per_s: Math.round(COUNT / (insertMs / 1000)),
    query_top10_cold_ms: Math.round(cold.ms),
    query_top10_cold_cpu_ms: Math.round(cold.cpuMs),
    query_top10_cached_ms: Math.round(median(warm.map((r) => r.ms))),
    query_top10_cached_cpu_ms: Math.round(median(warm.map((r) => r.cpuMs))),
    query_top10_filtered_10pct_ms: Math.round(median(filtered.map((r) => r.ms))),
    query_top10_filtered_10pct_cpu_ms: Math.round(median(filtered.map((r) => r.cpuMs))),
  };
  t.diagnostic(JSON.stringify(figures));
  console.log(`rag store scale: ${JSON.stringify(figures)}`);
});
