import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createLlmBudget } from '../../../core/src/budget/llm-budget.ts';
import { rejectsWith } from '../capabilities/helpers.ts';

/** The run's LLM accountant: worst case reserved before a call, actual usage committed after. */

const refused = (f: () => unknown): Promise<{ code: string; details: Record<string, unknown> }> => rejectsWith(Promise.resolve().then(f), 'E_LLM_BUDGET_EXCEEDED');

test('a call whose worst case would pass a limit is refused; within it, actual usage replaces the reservation', async () => {
  const budget = createLlmBudget({ maxOutputTokens: 100 });
  const r = budget.reserve({ model: 'm', estimate: { inputTokens: 10, outputTokens: 80 } });
  const e = await refused(() => budget.reserve({ model: 'm', estimate: { inputTokens: 1, outputTokens: 30 } }));
  assert.deepEqual([e.details['limit'], e.details['inFlight'], e.details['requested']], ['max_output_tokens', 80, 30]);
  r.commit({ inputTokens: 12, outputTokens: 20 });
  assert.deepEqual(budget.used(), { inputTokens: 12, outputTokens: 20, cost: 0 });
  budget.reserve({ model: 'm', estimate: { inputTokens: 1, outputTokens: 80 } }).release();
  assert.deepEqual(budget.used(), { inputTokens: 12, outputTokens: 20, cost: 0 });
});

test('max_cost: a model without a price is refused; cost counts like tokens', async () => {
  const budget = createLlmBudget({ maxCost: 1 });
  const e = await refused(() => budget.reserve({ model: 'unpriced', estimate: { inputTokens: 1, outputTokens: 1 } }));
  assert.equal(e.details['reason'], 'no_price');
  budget.reserve({ model: 'p', estimate: { inputTokens: 1, outputTokens: 1, cost: 0.6 } }).commit({ inputTokens: 1, outputTokens: 1, cost: 0.5 });
  await refused(() => budget.reserve({ model: 'p', estimate: { inputTokens: 1, outputTokens: 1, cost: 0.6 } }));
  budget.reserve({ model: 'p', estimate: { inputTokens: 1, outputTokens: 1, cost: 0.4 } });
});

test('commit and release are once-only', () => {
  const budget = createLlmBudget({ maxInputTokens: 10 });
  const r = budget.reserve({ model: 'm', estimate: { inputTokens: 10, outputTokens: 0 } });
  r.commit({ inputTokens: 4, outputTokens: 0 });
  r.commit({ inputTokens: 4, outputTokens: 0 });
  r.release();
  assert.equal(budget.used().inputTokens, 4);
});

test('property: whatever the order of reserves, commits and releases, committed usage never passes a limit when calls use at most their estimate', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 500 }),
      fc.array(fc.record({ input: fc.integer({ min: 0, max: 120 }), output: fc.integer({ min: 0, max: 120 }), used: fc.double({ min: 0, max: 1, noNaN: true }), fail: fc.boolean() }), { maxLength: 30 }),
      (limit, calls) => {
        const budget = createLlmBudget({ maxInputTokens: limit, maxOutputTokens: limit });
        const open: Array<{ r: ReturnType<typeof budget.reserve>; c: (typeof calls)[number] }> = [];
        for (const c of calls) {
          try {
            open.push({ r: budget.reserve({ model: 'm', estimate: { inputTokens: c.input, outputTokens: c.output } }), c });
          } catch (err) {
            assert.equal((err as { code: string }).code, 'E_LLM_BUDGET_EXCEEDED');
          }
          // Settle the oldest call half of the time: calls overlap, as parallel steps do.
          if (open.length > 0 && c.used > 0.5) {
            const { r, c: call } = open.shift()!;
            if (call.fail) r.release();
            else r.commit({ inputTokens: call.input, outputTokens: Math.floor(call.output * call.used) });
          }
          const u = budget.used();
          assert.ok(u.inputTokens <= limit && u.outputTokens <= limit);
        }
      },
    ),
  );
});
