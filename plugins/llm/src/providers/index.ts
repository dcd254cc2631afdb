/**
 * `@rustchain/plugin-llm/providers`: provider-neutral chat and embeddings over the official
 * OpenAI and Anthropic SDKs, every request through the policy-guarded ctx.fetch. Used by the
 * `llm`, `model_inference`, `agent` and embeddings/RAG step types.
 */
export { chat } from './chat.ts';
export type { LlmContext } from './chat.ts';
export { complete } from './complete.ts';
export type { CompleteRequest, CompleteResponse } from './complete.ts';
export { embed } from './embed.ts';
export type {
  ChatMessage, ChatRequest, ChatResponse, EmbedRequest, EmbedResponse, FinishReason, ProviderSelection, ToolCall, ToolDefinition, Usage,
} from './types.ts';
