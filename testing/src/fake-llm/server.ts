import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicError, anthropicMessage, anthropicStream } from './anthropic.ts';
import { fakeEmbedding, toBase64Float32 } from './embeddings.ts';
import { openaiCompletion, openaiError, openaiStream, type Rendered } from './openai.ts';
import type { FakeApi, FakeHandler, FakeMessageReply, FakeReply, FakeRequest } from './types.ts';

/** Options of `startFakeLlm`. */
export interface FakeLlmOptions {
  /** Embedding dimensions (default 64). */
  dimensions?: number;
  /** Decides chat/messages replies when the queue is empty (default: `echo: <last user text>`). */
  handler?: FakeHandler;
  /** When set, a request without this key (Bearer or x-api-key) gets the provider's 401. */
  apiKey?: string;
}

/** A running fake OpenAI + Anthropic server on 127.0.0.1. */
export interface FakeLlmServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The OpenAI-compatible base URL (`<url>/v1`), as a `base_url` or OPENAI_BASE_URL. */
  readonly openaiBaseUrl: string;
  /** The Anthropic base URL (the SDK appends `/v1/messages`). */
  readonly anthropicBaseUrl: string;
  /** Every request received, in arrival order. */
  readonly requests: FakeRequest[];
  /** Queues replies; each chat/messages request takes the next one (errors and raw replies also answer embeddings). */
  enqueue(...replies: FakeReply[]): void;
  /** Replaces the handler used when the queue is empty. */
  setHandler(handler: FakeHandler | undefined): void;
  close(): Promise<void>;
}

function apiOf(method: string, path: string): FakeApi {
  if (method === 'POST' && path.endsWith('/chat/completions')) return 'openai.chat';
  if (method === 'POST' && path.endsWith('/embeddings')) return 'openai.embeddings';
  if (method === 'GET' && path.endsWith('/models')) return 'openai.models';
  if (method === 'POST' && path.endsWith('/v1/messages')) return 'anthropic.messages';
  return 'unknown';
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

function lastUserText(body: Record<string, unknown> | null): string {
  const messages = Array.isArray(body?.['messages']) ? (body['messages'] as Array<Record<string, unknown>>) : [];
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.['role'] === 'user') return contentText(messages[i]?.['content']);
  return '';
}

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

function usageOf(request: FakeRequest, reply: FakeMessageReply): { input_tokens: number; output_tokens: number } {
  if (reply.usage) return reply.usage;
  const input = JSON.stringify([request.body?.['system'] ?? '', request.body?.['messages'] ?? []]);
  const output = (reply.text ?? '') + JSON.stringify(reply.tool_calls ?? []);
  return { input_tokens: tokens(input), output_tokens: tokens(output) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function send(res: ServerResponse, rendered: Rendered): Promise<void> {
  res.writeHead(rendered.status, rendered.headers);
  if (typeof rendered.body === 'string') {
    res.end(rendered.body);
    return;
  }
  // One frame per write, a macrotask apart: the client sees the events arrive separately.
  for (const frame of rendered.body) {
    if (res.destroyed) return;
    res.write(frame);
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}

/** Starts the fake on 127.0.0.1, a free port. Stop it with `close()` (e.g. in `t.after`). */
export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlmServer> {
  const dimensions = options.dimensions ?? 64;
  const queue: FakeReply[] = [];
  const requests: FakeRequest[] = [];
  let handler = options.handler;
  let seq = 0;

  async function answer(request: FakeRequest, res: ServerResponse): Promise<void> {
    const anthropic = request.api === 'anthropic.messages';
    const errorOf = anthropic ? anthropicError : openaiError;
    if (request.api === 'unknown') return send(res, errorOf({ error: { status: 404, message: `no route ${request.method} ${request.path}`, type: 'not_found_error' } }));
    if (options.apiKey !== undefined) {
      const given = request.headers['x-api-key'] ?? request.headers['authorization']?.replace(/^Bearer /, '');
      if (given !== options.apiKey) return send(res, errorOf({ error: { status: 401, message: 'invalid api key', type: anthropic ? 'authentication_error' : 'invalid_api_key' } }));
    }
    if (request.api === 'openai.models') {
      return send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }] }) });
    }
    const head = queue[0];
    const headIsMessage = head !== undefined && !('error' in head) && !('raw' in head) && !('stall' in head);
    // Embeddings answer from the queue only for errors, raw and stall replies.
    const queued = request.api === 'openai.embeddings' && headIsMessage ? undefined : queue.shift();
    if (request.api === 'openai.embeddings' && queued === undefined) return send(res, embeddings(request));
    const reply = queued ?? (handler ? await handler(request) : { text: `echo: ${lastUserText(request.body)}` });
    if ('stall' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      return;
    }
    if ('raw' in reply) return send(res, { status: reply.raw.status, headers: reply.raw.headers ?? {}, body: reply.raw.body });
    if ('error' in reply) return send(res, errorOf(reply));
    const message: FakeMessageReply = reply;
    const model = typeof request.body?.['model'] === 'string' ? request.body['model'] : 'fake-model';
    const usage = usageOf(request, message);
    const n = ++seq;
    const stream = request.body?.['stream'] === true;
    if (anthropic) return send(res, stream ? anthropicStream(message, model, n, usage) : anthropicMessage(message, model, n, usage));
    const includeUsage = (request.body?.['stream_options'] as { include_usage?: unknown } | undefined)?.include_usage === true;
    return send(res, stream ? openaiStream(message, model, n, usage, includeUsage) : openaiCompletion(message, model, n, usage));
  }

  function embeddings(request: FakeRequest): Rendered {
    const input = request.body?.['input'];
    const texts = Array.isArray(input) ? input.map(String) : [String(input ?? '')];
    const size = typeof request.body?.['dimensions'] === 'number' ? request.body['dimensions'] : dimensions;
    const base64 = request.body?.['encoding_format'] === 'base64';
    const data = texts.map((text, index) => {
      const vector = fakeEmbedding(text, size);
      return { object: 'embedding', index, embedding: base64 ? toBase64Float32(vector) : vector };
    });
    const promptTokens = texts.reduce((sum, t) => sum + tokens(t), 0);
    const model = typeof request.body?.['model'] === 'string' ? request.body['model'] : 'fake-embedding';
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }) };
  }

  const server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      let body: Record<string, unknown> | null = null;
      try {
        const parsed: unknown = text === '' ? null : JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        body = null;
      }
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const method = req.method ?? 'GET';
      const request: FakeRequest = { api: apiOf(method, path), method, path, headers, body, text };
      requests.push(request);
      await answer(request, res);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(err), type: 'server_error' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    setHandler: (h) => void (handler = h),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
