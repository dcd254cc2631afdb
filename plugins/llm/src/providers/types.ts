/**
 * The provider-neutral shapes of a chat or embeddings call. Each provider client maps them to
 * its native wire format (OpenAI `tool_calls` / `tool` messages, Anthropic `tool_use` /
 * `tool_result` blocks) and back, so a caller such as `agent` writes one tool loop.
 */

/** A tool call the model asked for. */
export interface ToolCall {
  /** The provider's id, echoed back in the tool result. */
  id: string;
  name: string;
  /** The arguments object; null when the model's text is not a JSON object. */
  arguments: Record<string, unknown> | null;
  /** The arguments exactly as the model wrote them (JSON text). */
  arguments_text: string;
}

/** One message of a conversation. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: ToolCall[] }
  /** The result of a tool call, sent back to the model. */
  | { role: 'tool'; tool_call_id: string; content: string; name?: string; is_error?: boolean };

/** A tool the model may call: a name and a JSON Schema of its arguments object. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: Record<string, unknown>;
}

/** Token counts of one call. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

/** Why the model stopped, normalised across providers. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

/** Which endpoint to call and how: each field falls back to settings.llm, then the environment, then the built-in default. */
export interface ProviderSelection {
  /** `openai`, `anthropic` (alias `claude`), `ollama`, `shimmy`, or a name under settings.llm.providers. */
  provider?: string | undefined;
  model?: string | undefined;
  base_url?: string | undefined;
  /** Whole-request deadline in ms (default 120 000). */
  timeout_ms?: number | undefined;
  /** Retries on 408/409/429/5xx and connection failures (default 2). */
  max_retries?: number | undefined;
}

/** One chat call. */
export interface ChatRequest extends ProviderSelection {
  messages: readonly ChatMessage[];
  system?: string | undefined;
  temperature?: number | undefined;
  max_tokens?: number | undefined;
  tools?: readonly ToolDefinition[] | undefined;
  /** `auto` (default with tools), `none`, `required`, or one tool by name. */
  tool_choice?: 'auto' | 'none' | 'required' | { name: string } | undefined;
  /** Stream the reply (SSE); `on_text` receives each text fragment as it arrives. */
  stream?: boolean | undefined;
  on_text?: ((fragment: string) => void) | undefined;
}

/** The normalised reply of a chat call. */
export interface ChatResponse {
  /** The provider name used (after defaults and aliases). */
  provider: string;
  model: string;
  text: string;
  tool_calls: ToolCall[];
  finish_reason: FinishReason;
  /** The provider's own stop word (`end_turn`, `tool_calls`...). */
  raw_finish_reason: string | null;
  usage: Usage;
  /** Cost in the price table's currency when settings.llm.prices has the model. */
  cost?: number;
  /** The assistant turn to append to `messages` before sending tool results back. */
  message: Extract<ChatMessage, { role: 'assistant' }>;
}

/** One embeddings call. */
export interface EmbedRequest extends ProviderSelection {
  input: readonly string[];
  /** Output dimensions, for models that support shortening (text-embedding-3-*). */
  dimensions?: number | undefined;
}

/** Vectors in input order. */
export interface EmbedResponse {
  provider: string;
  model: string;
  embeddings: number[][];
  usage: { input_tokens: number };
  cost?: number;
}
