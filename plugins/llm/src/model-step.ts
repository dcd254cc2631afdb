/**
 * `@rustchain/plugin-llm/model-step`: the parameter schemas, outputs, claims and run of a
 * model-call step, shared by `llm` and `model_inference` (its single-prompt form).
 */
export { modelClaims, modelParams, ModelOutputs } from './params.ts';
export { runModel } from './run-model.ts';
export type { ModelCallOutputs, ModelCallParams } from './run-model.ts';
