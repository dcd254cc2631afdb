/**
 * `@rustchain/testing/fake-llm`: protocol-faithful fake OpenAI (Chat Completions, Embeddings)
 * and Anthropic (Messages) servers on 127.0.0.1 for offline tests: JSON and SSE, tool calls,
 * provider-shaped errors, 429 with retry-after, deterministic embeddings; scriptable with a
 * queue of replies or a handler, and every request recorded.
 */
export { startFakeLlm } from './server.ts';
export type { FakeLlmOptions, FakeLlmServer } from './server.ts';
export { fakeEmbedding } from './embeddings.ts';
export type {
  FakeApi, FakeErrorReply, FakeHandler, FakeMessageReply, FakeRawReply, FakeReply, FakeRequest, FakeStallReply, FakeToolCall,
} from './types.ts';
