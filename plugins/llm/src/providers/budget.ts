import type { LlmBudgetReservation, StepContext } from '@rustchain/core/plugin';
import { costOf, type LlmSettings } from './settings.ts';
import type { ChatRequest, Usage } from './types.ts';

/**
 * The provider module's side of the run's LLM budget (ctx.budget): before a call it reserves
 * the worst case (input tokens estimated at one per 4 characters of everything sent, output =
 * max_tokens, or DEFAULT_OUTPUT_ESTIMATE when the call sets none); after, it commits the usage
 * the provider reported.
 */

/** The output reserved for a call without max_tokens (a budget with max_output_tokens wants max_tokens set). */
export const DEFAULT_OUTPUT_ESTIMATE = 1024;

/** Input tokens of a text, estimated (no tokenizer offline: ~4 characters a token). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The estimated input tokens of a chat request: system, messages and tool definitions. */
export function chatInputEstimate(request: Pick<ChatRequest, 'system' | 'messages' | 'tools'>): number {
  return estimateTokens(JSON.stringify([request.system ?? '', request.messages, request.tools ?? []]));
}

/** Reserves a call's worst case (throws E_LLM_BUDGET_EXCEEDED); undefined when the run has no budget. */
export function reserve(ctx: Pick<StepContext, 'budget'>, settings: LlmSettings, model: string, input: number, output: number): LlmBudgetReservation | undefined {
  if (ctx.budget === undefined) return undefined;
  const cost = costOf(settings, model, { input_tokens: input, output_tokens: output });
  return ctx.budget.reserve({ model, estimate: { inputTokens: input, outputTokens: output, cost } });
}

/** Commits a call's reported usage (its cost by the price table, when there is one). */
export function commit(reservation: LlmBudgetReservation | undefined, usage: Usage, cost: number | undefined): void {
  reservation?.commit({ inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, cost });
}
