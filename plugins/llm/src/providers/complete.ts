import { PluginError } from '@rustchain/core/plugin';
import type { SchemaError } from '@rustchain/plugin-validate-schema/ajv';
import { chat, type LlmContext } from './chat.ts';
import type { ChatMessage, ChatRequest, ChatResponse, Usage } from './types.ts';

/**
 * One completion with an optional JSON Schema for the reply: the schema is stated in the
 * system prompt, the reply is parsed (a ```json fence is tolerated) and validated with ajv; an
 * invalid reply gets ONE repair turn that quotes the validation errors, then fails with
 * E_LLM_SCHEMA_MISMATCH. Usage and cost add up over both calls.
 */

/** A completion request: a chat request plus the reply's schema. */
export interface CompleteRequest extends ChatRequest {
  /** JSON Schema the reply must satisfy (parsed into `json`). */
  response_schema?: unknown;
}

/** The reply; `json` is set when a response_schema was given. */
export interface CompleteResponse extends ChatResponse {
  json?: unknown;
  /** Calls made (2 when the reply needed a repair). */
  calls: number;
}

/** Validation errors reported at most. */
const MAX_ERRORS = 20;

/** The JSON value in a reply: the whole text, or the body of a ```json fence. */
function parseReply(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n?```/.exec(text);
  const candidate = (fenced?.[1] ?? text).trim();
  try {
    return { ok: true, value: JSON.parse(candidate) };
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
}

function add(a: Usage, b: Usage): Usage {
  return { input_tokens: a.input_tokens + b.input_tokens, output_tokens: a.output_tokens + b.output_tokens };
}

/** Runs the completion (and its repair turn when needed). */
export async function complete(ctx: LlmContext, request: CompleteRequest): Promise<CompleteResponse> {
  if (request.response_schema === undefined) return { ...(await chat(ctx, request)), calls: 1 };
  // ajv loads only for a structured reply, not with the plugin.
  const { compile, toErrors } = await import('@rustchain/plugin-validate-schema/ajv');
  const validate = compile(request.response_schema);
  const instruction = `Reply with only a JSON value (no prose, no code fence) that validates against this JSON Schema:\n${JSON.stringify(request.response_schema)}`;
  const system = request.system === undefined ? instruction : `${request.system}\n\n${instruction}`;
  const check = (res: ChatResponse): { value: unknown; errors: SchemaError[] | string | null } => {
    const parsed = parseReply(res.text);
    if (!parsed.ok) return { value: undefined, errors: parsed.reason };
    return validate(parsed.value) ? { value: parsed.value, errors: null } : { value: parsed.value, errors: toErrors(validate.errors, MAX_ERRORS) };
  };
  const first = await chat(ctx, { ...request, system });
  const firstCheck = check(first);
  if (firstCheck.errors === null) return { ...first, json: firstCheck.value, calls: 1 };
  const problems = typeof firstCheck.errors === 'string' ? firstCheck.errors : firstCheck.errors.map((e) => `${e.instancePath || '/'}: ${e.message}`).join('\n');
  const repair: ChatMessage[] = [
    ...request.messages,
    first.message,
    { role: 'user', content: `Your reply does not satisfy the JSON Schema:\n${problems}\nReply again with only the corrected JSON value.` },
  ];
  // A streamed repair reply starts on a new line of the live text.
  request.on_text?.('\n');
  const second = await chat(ctx, { ...request, system, messages: repair });
  const usage = add(first.usage, second.usage);
  const cost = first.cost !== undefined && second.cost !== undefined ? first.cost + second.cost : undefined;
  const secondCheck = check(second);
  if (secondCheck.errors !== null) {
    throw new PluginError('E_LLM_SCHEMA_MISMATCH', `the model's reply does not match response_schema, even after one repair turn`, {
      details: { errors: secondCheck.errors, text: second.text, usage, calls: 2 },
      nonRetryable: false,
    });
  }
  const merged: CompleteResponse = { ...second, usage, json: secondCheck.value, calls: 2 };
  if (cost === undefined) delete merged.cost;
  else merged.cost = cost;
  return merged;
}
