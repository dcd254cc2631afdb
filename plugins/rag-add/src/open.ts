import type { StepContext } from '@rustchain/core/plugin';
import { VectorStore } from './store/vector-store.ts';

/** The store's file name under the state dir's data directory (`<stateDir>/data/`). */
const STORE_FILE = 'rag-vectors.sqlite';

/** Opens the run's vector store (ctx.data: E_DATA_UNAVAILABLE without a state dir); close it when done. */
async function openStepStore(ctx: Pick<StepContext, 'data'>): Promise<VectorStore> {
  return VectorStore.open(await ctx.data.path(STORE_FILE));
}

/** Runs `work` on the run's store, closing it afterwards whatever happens. */
export async function withStore<T>(ctx: Pick<StepContext, 'data'>, work: (store: VectorStore) => T | Promise<T>): Promise<T> {
  const store = await openStepStore(ctx);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
