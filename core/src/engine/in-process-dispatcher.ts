import { createLlmBudget, type LlmBudgetLimits } from '../budget/llm-budget.ts';
import { createStepContext, freezeSettings, type RunContextScope } from '../capabilities/context.ts';
import { RunProcessRegistry } from '../capabilities/processes.ts';
import { RustchainError } from '../errors.ts';
import { checkStepParams } from '../plugin/params-check.ts';
import type { DefinedPlugin, StepTypeLookup } from '../plugin/sdk.ts';
import { stepTypeDenied } from '../policy/denials.ts';
import { hasSecretParams, runtimeSecretParamValues } from '../secrets/params.ts';
import type { Policy } from '../policy/types.ts';
import type { CallJournal } from '../replay/journal.ts';
import { AttemptContextInit } from './attempt-control.ts';
import { keepShape } from './kept-shapes.ts';
import type { AttemptControl, StepDispatcher, StepRequest } from './types.ts';

/** How many schema errors an E_PARAMS_INVALID carries in its details. */
const MAX_REPORTED_ERRORS = 10;

/**
 * Runs steps in this process: looks the plugin up, re-checks the step type against the policy
 * (defence in depth: the static check ran before), validates the resolved parameters against
 * the plugin's params schema with the check `mission validate` runs (checkStepParams;
 * E_PARAMS_INVALID, non-retryable), builds `ctx` and calls `run`. Outputs are not validated.
 * On abort it rejects at once with the signal's reason even if the plugin ignores
 * `ctx.signal`, so the run never waits on it.
 */
export function createInProcessDispatcher(options: InProcessDispatcherOptions): StepDispatcher {
  return new InProcessDispatcher(options);
}

/** What createInProcessDispatcher takes. */
export interface InProcessDispatcherOptions {
  registry: StepTypeLookup;
  policy: Policy;
  workDir: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives the values of parameters marked `secret: true` before the step runs. */
  secrets?: { add(values: Iterable<string>): unknown };
  /** rustchain.config `settings` (ctx.settings); frozen here, once per dispatcher. */
  settings?: Readonly<Record<string, unknown>>;
  /** The run's state dir, where ctx.data keeps plugin data; absent = ctx.data refuses. */
  stateDir?: string;
  /** The run's call journal: every step's ctx.fetch goes through it (ledger digests, --record / --replay). */
  calls?: CallJournal;
  /** Mission config.llm_budget: one accountant for every step (and child step) this dispatcher runs. */
  llmBudget?: LlmBudgetLimits;
  /** Receives ctx.progress lines (the run's event sink, as step.progress events). */
  progress?: (runId: string, stepId: string, attempt: number, text: string) => void;
}

/**
 * The dispatcher as a class, its steps as prototype methods: a run makes a new dispatcher,
 * and functions made per dispatcher were new call targets for the engine's optimised code in
 * every run, so a process that runs mission after mission threw that code away each time
 * (bench/PROFILES.md, finding 25). Callers may detach a method only with `.call`.
 */
class InProcessDispatcher implements StepDispatcher {
  private readonly registry: StepTypeLookup;
  private readonly allowedTypes: ReadonlySet<string> | null;
  private readonly secrets: InProcessDispatcherOptions['secrets'];
  /** Run scope for ctx.exec.start: one process table per run id, stopped by finishRun. */
  private readonly processes = new RunProcessRegistry();
  /** What every attempt's ctx shares, built once. */
  private readonly scope: RunContextScope;
  private readonly secretSchemas = new WeakMap<DefinedPlugin, boolean>();

  constructor(options: InProcessDispatcherOptions) {
    const { registry, policy, workDir } = options;
    this.registry = registry;
    this.allowedTypes = policy.stepTypes === '*' ? null : new Set(policy.stepTypes);
    this.secrets = options.secrets;
    this.scope = {
      workDir, policy, env: options.env ?? process.env, processes: this.processes,
      settings: freezeSettings(options.settings),
      stateDir: options.stateDir,
      calls: options.calls,
      budget: options.llmBudget === undefined ? undefined : createLlmBudget(options.llmBudget),
      secrets: options.secrets,
      progress: options.progress,
    };
  }

  private hasSecrets(plugin: DefinedPlugin): boolean {
    let has = this.secretSchemas.get(plugin);
    if (has === undefined) {
      has = hasSecretParams(plugin.params);
      this.secretSchemas.set(plugin, has);
    }
    return has;
  }

  /** The plugin that runs `request`, after the policy and parameter checks (throws coded errors). */
  private pluginFor(request: StepRequest): DefinedPlugin {
    const entry = this.registry.get(request.type);
    if (entry === undefined) {
      throw new RustchainError('E_STEP_TYPE_UNKNOWN', `no plugin provides step type "${request.type}"`, {
        details: { stepId: request.stepId, type: request.type },
        nonRetryable: true,
      });
    }
    if (this.allowedTypes !== null && !this.allowedTypes.has(request.type)) {
      throw stepTypeDenied(request.type);
    }
    const plugin = entry.definition;
    if (this.secrets !== undefined && this.hasSecrets(plugin)) this.secrets.add(runtimeSecretParamValues(plugin.params, request.params));
    const problems = checkStepParams(plugin.params, request.params);
    if (problems.length > 0) {
      const errors = problems.slice(0, MAX_REPORTED_ERRORS).map((p) => ({ pointer: p.pointer, message: p.message }));
      // The first problem in the message itself, with its field: a templated value is only
      // checked here, after upstream steps ran, and "do not match" alone says nothing.
      const first = problems[0]!;
      const field = first.pointer === '' ? 'parameters' : `parameters.${first.pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')}`;
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      throw new RustchainError('E_PARAMS_INVALID', `parameters of step "${request.stepId}" do not match the ${request.type} schema: ${field}: ${first.message}${more}`, {
        details: { stepId: request.stepId, type: request.type, errors },
        nonRetryable: true,
      });
    }
    return plugin;
  }

  async dispatch(request: StepRequest, signal: AbortSignal): Promise<Record<string, unknown>> {
    const plugin = this.pluginFor(request);
    if (signal.aborted) throw signal.reason;
    const ctx = createStepContext({ ...this.scope, runId: request.runId, stepId: request.stepId, attempt: request.attempt, signal, params: request.params });
    const outputs = await untilAborted(plugin.run(request.params, ctx), signal);
    return outputs as Record<string, unknown>;
  }

  /**
   * `dispatch` without an AbortSignal unless the plugin reads `ctx.signal`. Not async: an async
   * frame (and its await) held by every step in flight was ~0.5 KiB each in a wide fan-out.
   */
  dispatchAttempt(request: StepRequest, control: AttemptControl): Promise<Record<string, unknown>> {
    return untilControlAborts(this.startAttempt(request, control), control);
  }

  /** The plugin's own promise (sync errors as a rejection), for a caller that races the abort itself. */
  startAttempt(request: StepRequest, control: AttemptControl): Promise<Record<string, unknown>> {
    try {
      const plugin = this.pluginFor(request);
      if (control.aborted) throw control.reason;
      return plugin.run(request.params, createStepContext(new AttemptContextInit(request, control, this.scope))) as Promise<Record<string, unknown>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Learn a step's secret parameter values before its start (and params digest) is recorded. */
  prepare(request: StepRequest): void {
    const plugin = this.registry.get(request.type)?.definition;
    if (plugin !== undefined && this.secrets !== undefined && this.hasSecrets(plugin)) {
      try {
        this.secrets.add(runtimeSecretParamValues(plugin.params, request.params));
      } catch {
        // Invalid parameters are reported by dispatch.
      }
    }
  }

  finishRun(runId: string): ReturnType<NonNullable<StepDispatcher['finishRun']>> {
    return this.processes.finish(runId);
  }
}

// The maps of a dispatcher (a run makes one), kept between runs (kept-shapes.ts).
keepShape(new InProcessDispatcher({ registry: { get: () => undefined, has: () => false, types: () => [] }, policy: { stepTypes: '*' } as Policy, workDir: '' }));

const ONCE = { once: true } as const;

/** `work`, or a rejection with the abort reason as soon as `signal` aborts, whichever is first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // A listener object with a method, not `const onAbort = () => ...`: under tsx (keepNames)
    // every named closure costs an Object.defineProperty (~2 µs), once per step here
    // (bench/PROFILES.md); method shorthand is not renamed.
    const onAbort = {
      handleEvent(): void {
        // One macrotask of grace: a plugin whose run already returned (its resolution still in
        // the microtask queue) is recorded as it happened, succeeded, not cancelled.
        setImmediate(reject, signal.reason);
      },
    };
    signal.addEventListener('abort', onAbort, ONCE);
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** `work`, or a rejection with the abort reason as soon as `control` aborts, whichever is first. */
function untilControlAborts<T>(work: Promise<T>, control: AttemptControl): Promise<T> {
  // No listener to remove: once `work` settled, a late reject is a no-op (and the engine
  // marks the attempt settled, so it is not aborted any more).
  return new Promise<T>((resolve, reject) => {
    // One macrotask of grace, as in untilAborted: a run that already returned wins.
    control.onAbort((reason) => setImmediate(reject, reason));
    work.then(resolve, reject);
  });
}
