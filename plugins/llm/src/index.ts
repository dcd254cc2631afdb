import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { modelClaims, modelParams, ModelOutputs } from './params.ts';
import { runModel } from './run-model.ts';

/**
 * `llm`: one call to a large language model (OpenAI-compatible Chat Completions or Anthropic
 * Messages) through the policy-guarded ctx.fetch, with an optional JSON Schema for the reply,
 * streaming, retries and the run's LLM budget.
 */

/** Parameters of an `llm` step. */
const Params = Type.Object(
  {
    prompt: Type.Optional(Type.String({ description: 'the user message (required unless `messages` is given)' })),
    ...modelParams,
  },
  { additionalProperties: true },
);

/** The `llm` step type. */
export default definePlugin({
  type: 'llm',
  description: 'Call a large language model (OpenAI-compatible or Anthropic): text, usage, cost, schema-checked JSON',
  params: Params,
  outputs: ModelOutputs,
  capabilities: ['net', 'env'],
  effect: 'read',
  claims: (params) => modelClaims(params),
  async run(params, ctx) {
    if (params.prompt === undefined && (params.messages ?? []).length === 0) {
      throw new PluginError('E_PARAMS_INVALID', 'an llm step needs `prompt` (or `messages`)', { details: { pointer: '/prompt' }, nonRetryable: true });
    }
    return runModel(params, ctx);
  },
});
