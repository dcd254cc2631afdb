import { RustchainError } from '../errors.ts';
import type { LlmBudget, LlmBudgetReservation, LlmUsage } from '../plugin/sdk.ts';

/**
 * The run's LLM accountant (`config.llm_budget`, ctx.budget). A call first reserves its worst
 * case (estimated input tokens, max_tokens as output, their cost): if that, plus what was used
 * and what calls in flight hold, would pass a limit, the call is refused before anything is
 * sent (E_LLM_BUDGET_EXCEEDED, non-retryable). After the call its actual usage replaces the
 * reservation. Parallel steps therefore cannot overrun the budget together.
 */

/** `config.llm_budget`, normalised. */
export interface LlmBudgetLimits {
  maxInputTokens?: number;
  maxOutputTokens?: number;
  /** In the currency of settings.llm.prices. */
  maxCost?: number;
}

interface Totals {
  inputTokens: number;
  outputTokens: number;
  cost: number;
}

const DIMENSIONS = [
  ['inputTokens', 'maxInputTokens', 'max_input_tokens'],
  ['outputTokens', 'maxOutputTokens', 'max_output_tokens'],
  ['cost', 'maxCost', 'max_cost'],
] as const;

/** A fresh accountant for one run. */
export function createLlmBudget(limits: LlmBudgetLimits): LlmBudget {
  const used: Totals = { inputTokens: 0, outputTokens: 0, cost: 0 };
  const held: Totals = { inputTokens: 0, outputTokens: 0, cost: 0 };
  const move = (into: Totals, u: LlmUsage, sign: 1 | -1): void => {
    into.inputTokens += sign * u.inputTokens;
    into.outputTokens += sign * u.outputTokens;
    into.cost += sign * (u.cost ?? 0);
  };
  return {
    limits: { ...limits },
    used: () => ({ ...used }),
    reserve(call): LlmBudgetReservation {
      const { estimate } = call;
      if (limits.maxCost !== undefined && estimate.cost === undefined) {
        throw new RustchainError('E_LLM_BUDGET_EXCEEDED', `llm_budget.max_cost is set but model "${call.model}" has no price: add it to settings.llm.prices`, {
          details: { limit: 'max_cost', model: call.model, reason: 'no_price' }, nonRetryable: true,
        });
      }
      for (const [field, limitKey, name] of DIMENSIONS) {
        const limit = limits[limitKey];
        const wanted = field === 'cost' ? (estimate.cost ?? 0) : estimate[field];
        if (limit !== undefined && used[field] + held[field] + wanted > limit) {
          throw new RustchainError('E_LLM_BUDGET_EXCEEDED', `the call to "${call.model}" would pass llm_budget.${name} (${limit}): used ${round(used[field])}, in flight ${round(held[field])}, this call up to ${round(wanted)}`, {
            details: { limit: name, max: limit, used: used[field], inFlight: held[field], requested: wanted, model: call.model }, nonRetryable: true,
          });
        }
      }
      move(held, estimate, 1);
      let open = true;
      const close = (): boolean => {
        if (!open) return false;
        open = false;
        move(held, estimate, -1);
        return true;
      };
      return {
        commit(actual) {
          if (close()) move(used, { ...actual, cost: actual.cost ?? estimate.cost }, 1);
        },
        release() {
          close();
        },
      };
    },
  };
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;
