import type { LlmBudgetLimits } from '../budget/llm-budget.ts';
import { createInProcessDispatcher } from './in-process-dispatcher.ts';
import { loadStepTypes } from '../loader/load-step-types.ts';
import type { Mission } from '../model/mission.ts';
import { MissionRun } from './mission-run.ts';
import type { ExecuteOptions } from './options.ts';
import type { MissionResult, StepDispatcher } from './types.ts';

/**
 * Executes a loaded mission and resolves with every step's result (in schedule order) once
 * nothing is in flight. Step failures are results, not rejections; it rejects only when the
 * mission graph is invalid (E_DAG_CYCLE, ...), the options are wrong (E_USAGE), or the event
 * sink threw (that error, after running steps settled).
 */
export function executeMission(mission: Mission, options: ExecuteOptions): Promise<MissionResult> {
  const start = (): Promise<MissionResult> => {
    try {
      return new MissionRun(mission, options, dispatcherFor(options, mission.config.llmBudget)).start();
    } catch (error) {
      return Promise.reject(error);
    }
  };
  // A lazy registry imports the plugins this run can reach before the first step: the
  // dispatchers look definitions up synchronously.
  if (options.registry.load === undefined) return start();
  return loadStepTypes(options.registry, [...mission.steps, ...(mission.finally ?? [])], { allowed: options.policy.stepTypes }).then(start);
}

/** The dispatcher a run uses: the injected one, or the in-process default (holding the run's LLM budget, when the mission sets one). */
export function dispatcherFor(options: ExecuteOptions, llmBudget?: LlmBudgetLimits): StepDispatcher {
  if (options.dispatcher) return options.dispatcher;
  const { registry, policy, workDir, env, secrets, settings, calls, stateDir, onEvent } = options;
  // ctx.progress goes straight to the sink as step.progress: not part of the audited stream (the
  // ledger sink drops it), best effort (a sink error is not the run's).
  const progress = onEvent === undefined ? undefined : (runId: string, stepId: string, attempt: number, text: string): void => {
    try {
      onEvent({ type: 'step.progress', runId, stepId, attempt, text });
    } catch {
      // The progress view is not worth failing a run over.
    }
  };
  return createInProcessDispatcher({
    registry, policy, workDir, ...(env === undefined ? {} : { env }), ...(secrets === undefined ? {} : { secrets }), ...(settings === undefined ? {} : { settings }), ...(calls === undefined ? {} : { calls }), ...(stateDir === undefined ? {} : { stateDir }), ...(llmBudget === undefined ? {} : { llmBudget }), ...(progress === undefined ? {} : { progress }),
  });
}
