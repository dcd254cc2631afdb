import { Type, type ResourceClaim } from '@rustchain/core/plugin';

/**
 * The parameters and outputs an `llm`-like step shares (llm, model_inference): the original's
 * names (`prompt`, `model`, `provider`, `temperature`, `max_tokens`) plus the additions.
 */

/** One message of `messages`. */
const Message = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String(),
  },
  { additionalProperties: false },
);

/** The model-call parameters (every one optional; each step type adds its required ones). */
export const modelParams = {
  model: Type.Optional(Type.String({ minLength: 1, description: 'model name (default: settings.llm.providers.<p>.model, settings.llm.default_model for the default provider, else the provider\'s default)' })),
  provider: Type.Optional(Type.String({ minLength: 1, description: 'openai, anthropic (or claude), ollama, shimmy, or a name under settings.llm.providers (default: settings.llm.default_provider, else openai)' })),
  base_url: Type.Optional(Type.String({ minLength: 1, description: 'API base URL of an OpenAI-compatible server (…/v1) or of Anthropic; checked against the network policy' })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, description: 'reply length cap; also the output side of the budget check' })),
  system: Type.Optional(Type.String({ description: 'system prompt' })),
  messages: Type.Optional(Type.Array(Message, { description: 'conversation before `prompt` (role system/user/assistant, content)' })),
  response_schema: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Boolean()], {
    description: 'JSON Schema of the reply: it is parsed into `json` and validated; one repair turn, then E_LLM_SCHEMA_MISMATCH',
  })),
  stream: Type.Optional(Type.Boolean({ description: 'stream the reply (SSE), shown live in the progress view' })),
  request_timeout_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'deadline of one HTTP request (default 120)' })),
  max_retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'retries on 408/409/429/5xx and connection failures, honouring retry-after (default 2)' })),
};

/** Outputs of a model-call step. */
export const ModelOutputs = Type.Object({
  text: Type.String({ description: 'the reply' }),
  response: Type.String({ description: 'the reply again, under the original\'s name (`{<id>_response}`)' }),
  model: Type.String({ description: 'the model that answered' }),
  provider: Type.String(),
  finish_reason: Type.Union(['stop', 'length', 'tool_calls', 'content_filter', 'other'].map((r) => Type.Literal(r))),
  usage: Type.Object({ input_tokens: Type.Integer(), output_tokens: Type.Integer() }),
  cost: Type.Optional(Type.Number({ description: 'when settings.llm.prices has the model (per million tokens)' })),
  json: Type.Optional(Type.Unknown({ description: 'the parsed, validated reply (with response_schema)' })),
});

/** The conventional key variables of the hosted providers. */
const KEY_ENV: Readonly<Record<string, string>> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', claude: 'ANTHROPIC_API_KEY' };

/**
 * Static claims: `base_url` as a net claim (HTTP only); for the hosted openai/anthropic APIs
 * named explicitly without a base_url, their key variable as an env claim. A provider from
 * settings or the environment is only known at run time, where ctx.fetch and ctx.env check it.
 */
export function modelClaims(params: { provider?: string | undefined; base_url?: string | undefined }): ResourceClaim[] {
  const claims: ResourceClaim[] = [];
  if (params.base_url !== undefined) claims.push({ kind: 'net', url: params.base_url, pointer: '/base_url', schemes: ['http:', 'https:'] });
  const keyEnv = params.provider === undefined ? undefined : KEY_ENV[params.provider.toLowerCase()];
  if (keyEnv !== undefined && params.base_url === undefined) claims.push({ kind: 'env', name: keyEnv, pointer: '/provider' });
  return claims;
}
