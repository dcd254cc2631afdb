import { definePlugin, Type } from '@rustchain/core/plugin';
import { modelClaims, modelParams, ModelOutputs, runModel } from '@rustchain/plugin-llm/model-step';

/**
 * `model_inference`: the original's single-prompt model call (`prompt`, `model`, `max_tokens`
 * defaulting to 100), run exactly like an `llm` step with one user message: same providers,
 * policy checks, retries, budget, response_schema and streaming.
 */

/** The original's default reply length. */
const DEFAULT_MAX_TOKENS = 100;

const { messages: _conversation, max_tokens: _maxTokens, ...shared } = modelParams;

/** Parameters of a `model_inference` step. */
const Params = Type.Object(
  {
    prompt: Type.String({ description: 'the prompt' }),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1, description: `reply length cap (default ${DEFAULT_MAX_TOKENS}, as in the original)` })),
    ...shared,
  },
  { additionalProperties: true },
);

/** The `model_inference` step type. */
export default definePlugin({
  type: 'model_inference',
  description: 'One prompt to a model (the single-prompt form of llm): text, usage, cost',
  params: Params,
  outputs: ModelOutputs,
  capabilities: ['net', 'env'],
  effect: 'read',
  claims: (params) => modelClaims(params),
  run: (params, ctx) => runModel({ ...params, max_tokens: params.max_tokens ?? DEFAULT_MAX_TOKENS }, ctx),
});
