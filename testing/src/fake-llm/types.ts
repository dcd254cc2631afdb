/** The scripting vocabulary of the fake provider server: what a test queues, what it records. */

/** One tool call the fake model makes (rendered in the provider's native shape). */
export interface FakeToolCall {
  /** Default: `call_<n>` (OpenAI) or `toolu_<n>` (Anthropic). */
  id?: string;
  name: string;
  /** The arguments object (sent as a JSON string to OpenAI, as `input` to Anthropic). */
  arguments: Record<string, unknown>;
}

/** A model reply, rendered as JSON or as SSE (when the request asked for `stream`). */
export interface FakeMessageReply {
  text?: string;
  tool_calls?: FakeToolCall[];
  /** Normalised reason (`stop`, `length`, `tool_calls`); mapped to the provider's word. Default: `tool_calls` when there are any, else `stop`. */
  finish_reason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Default: estimated from the request and reply (one token per 4 characters). */
  usage?: { input_tokens: number; output_tokens: number };
  /** Default: the requested model. */
  model?: string;
}

/** An error in the provider's own error shape; `retry_after` (seconds) adds the header. */
export interface FakeErrorReply {
  error: { status: number; message: string; type?: string; code?: string; retry_after?: number };
}

/** A verbatim HTTP response. */
export interface FakeRawReply {
  raw: { status: number; headers?: Record<string, string>; body: string };
}

/** Sends the status and headers, then nothing until the client goes away (cancellation tests). */
export interface FakeStallReply {
  stall: true;
}

/** What a scripted reply may be. */
export type FakeReply = FakeMessageReply | FakeErrorReply | FakeRawReply | FakeStallReply;

/** Which endpoint a request hit. */
export type FakeApi = 'openai.chat' | 'openai.embeddings' | 'openai.models' | 'anthropic.messages' | 'unknown';

/** One request the fake received, recorded in arrival order. */
export interface FakeRequest {
  api: FakeApi;
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The parsed JSON body (null when none or not JSON). */
  body: Record<string, unknown> | null;
  /** The raw body text. */
  text: string;
}

/** A handler decides the reply of a chat/messages request (consulted when the queue is empty). */
export type FakeHandler = (request: FakeRequest) => FakeReply | Promise<FakeReply>;
