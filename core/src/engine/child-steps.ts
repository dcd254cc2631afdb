import { performance } from 'node:perf_hooks';
import { createFsCapability } from '../capabilities/fs.ts';
import { DiagnosticsError, isRustchainError, RustchainError, type ErrorCode } from '../errors.ts';
import { loadStepTypes } from '../loader/load-step-types.ts';
import { validateMission } from '../loader/validate.ts';
import { DEFAULTS, type Mission, type MissionStep } from '../model/mission.ts';
import type { ChildStepSpec, StepsCapability, StepTypeInfo, SubMissionResult, SubMissionStep } from '../plugin/sdk.ts';
import { checkPolicy } from '../policy/check.ts';
import { Deadlines, type AttemptAbort } from './attempt-control.ts';
import { runAttempts, type AttemptHost } from './attempts.ts';
import type { ExecuteOptions } from './options.ts';
import type { AttemptControl, MissionResult, StepDispatcher, StepError, StepRequest, StepResult } from './types.ts';

/**
 * ctx.steps: child steps run through the parent run's own machinery. A child is a MissionStep
 * with the nested id `<parent>/<child>`, attempted by runAttempts on a host whose run signal is
 * the parent attempt's (cancellation and the parent's timeout reach it), whose events go to the
 * run's sink and barrier (write-ahead ledger: the child's start is durable before it runs), and
 * whose dispatcher is the run's, behind the static policy check of the resolved parameters.
 */

/** What the engine around a parent attempt lends its children. */
interface ChildStepsScope {
  readonly host: AttemptHost;
  readonly options: ExecuteOptions;
  /** Keeps a finished child's result (the parent's `children`). */
  record(result: StepResult): void;
  /** A child id unique under this parent for the whole run: `id`, else `id.2`, `id.3`... */
  claimId(id: string): string;
  /** Runs a sub-DAG as a nested MissionRun (injected: the engine's scheduler, no import cycle). */
  subRun: SubRun;
}

/** `new MissionRun(mission, options, dispatcher, phase).start()`. */
type SubRun = (
  mission: Mission,
  options: ExecuteOptions,
  dispatcher: StepDispatcher,
  phase: { seed: Record<string, Record<string, unknown>>; aliases: readonly string[] },
) => Promise<MissionResult>;

/** Builds the ctx.steps of one attempt of `parent`. */
export function createChildSteps(scope: ChildStepsScope, parent: MissionStep, control: AttemptControl): StepsCapability {
  return new ChildSteps(scope, parent, control);
}

/** Per-parent id bookkeeping for ChildStepsScope.claimId. */
export function claimChildId(used: Set<string>, id: string): string {
  let claimed = id;
  for (let n = 2; used.has(claimed); n++) claimed = `${id}.${n}`;
  used.add(claimed);
  return claimed;
}

const NO_RETRY = { ...DEFAULTS.retry };

class ChildSteps implements StepsCapability {
  private infos: StepTypeInfo[] | undefined;

  constructor(
    private readonly scope: ChildStepsScope,
    private readonly parent: MissionStep,
    private readonly control: AttemptControl,
  ) {}

  list(): ReadonlyArray<StepTypeInfo> {
    if (this.infos !== undefined) return this.infos;
    const { registry, policy } = this.scope.options;
    const allowed = policy.stepTypes === '*' ? null : new Set(policy.stepTypes);
    this.infos = registry
      .types()
      .filter((type) => allowed === null || allowed.has(type))
      .map((type) => {
        const d = registry.get(type)!.definition;
        // A plain JSON copy: typebox schemas carry symbol keys a model API must not see.
        return { type, description: d.description, params: JSON.parse(JSON.stringify(d.params)) as unknown, effect: d.effect };
      });
    return this.infos;
  }

  async run(child: ChildStepSpec): Promise<Record<string, unknown>> {
    const step = this.childStep(child, this.scope.claimId(checkId(child.id)), []);
    // A child's type may be chosen at run time (an agent's tool): a lazy registry imports it now.
    await loadStepTypes(this.scope.options.registry, [step], { allowed: this.scope.options.policy.stepTypes });
    const host = new ChildHost(this.scope, this.parent, this.control, guardedDispatcher(this.scope.host.dispatcher, this.scope.options));
    const began = performance.now();
    const stop = host.linkAbort();
    let result: StepResult;
    try {
      const outcome = await runAttempts(host, step, 0);
      const durationMs = performance.now() - began;
      const base = { runId: host.runId, stepId: step.id, attempt: outcome.attempts };
      if (host.hasSink) {
        if (outcome.status === 'succeeded') host.emit({ type: 'step.succeeded', ...base, durationMs, outputs: outcome.outputs });
        else if (outcome.status === 'failed') host.emit({ type: 'step.failed', ...base, durationMs, error: outcome.error! });
        else host.emit({ type: 'step.cancelled', ...base, error: outcome.error! });
      }
      result = { id: step.id, status: outcome.status, attempts: outcome.attempts, durationMs, outputs: outcome.outputs, error: outcome.error };
    } finally {
      stop();
      host.deadlines.dispose();
    }
    if (host.children.length > 0) result.children = host.children;
    this.scope.record(result);
    if (result.status === 'succeeded') return result.outputs;
    throw childError(result.error!, step.id);
  }

  async runMission(
    mission: { steps: readonly SubMissionStep[] } | { file: string },
    options: { parallel?: boolean | number; failFast?: boolean } = {},
  ): Promise<SubMissionResult> {
    const prefix = `${this.parent.id}/`;
    const { options: run } = this.scope;
    let sub: Mission;
    if ('file' in mission) {
      sub = await this.loadFile(mission.file);
    } else {
      const ids = new Set<string>();
      for (const s of mission.steps) {
        if (ids.has(checkId(s.id))) throw invalid(`duplicate child step id "${s.id}"`);
        ids.add(s.id);
      }
      const steps = mission.steps.map((s) => {
        for (const d of s.dependsOn ?? []) if (!ids.has(d)) throw invalid(`child step "${s.id}" depends on "${d}", which is not one of the steps`);
        return this.childStep(s, s.id, [...(s.dependsOn ?? [])], s.continueOnError === true);
      });
      sub = syntheticMission(`${this.parent.id} (steps)`, steps, this.parent.timeoutSeconds);
    }
    await loadStepTypes(run.registry, sub.steps, { allowed: run.policy.stepTypes });
    // Nested ids are unique under the parent for the whole run (a retried parent gets `a.2`);
    // templates inside the sub-mission keep naming its steps by their own ids (aliases).
    const bare = sub.steps.map((s) => s.id.slice(s.id.startsWith(prefix) ? prefix.length : 0));
    const claimed = new Map(bare.map((id) => [id, prefix + this.scope.claimId(id)]));
    const nested: MissionStep[] = sub.steps.map((s, i) => ({ ...s, id: claimed.get(bare[i]!)!, dependsOn: s.dependsOn.map((d) => claimed.get(d) ?? d) }));
    const nestedMission: Mission = { ...sub, steps: nested, finally: [], config: { ...sub.config, failFast: options.failFast ?? sub.config.failFast } };
    // The whole sub-DAG is judged before any of it runs (values still templated: at run time).
    const refused = checkPolicy(nestedMission, run.registry, run.policy, { workDir: run.workDir, env: run.env ?? process.env }).find((d) => d.severity === 'error');
    if (refused !== undefined) {
      throw new RustchainError(refused.code as ErrorCode, refused.message, { details: { stepId: this.parent.id, child: refused.pointer ?? null }, nonRetryable: true });
    }
    const limit = options.parallel === true ? null : typeof options.parallel === 'number' ? options.parallel : 1;
    const host = this.scope.host;
    const subOptions: ExecuteOptions = {
      ...run,
      runId: host.runId,
      signal: this.control.signal,
      completed: undefined,
      maxParallelSteps: limit,
      onEvent: host.hasSink ? (event) => host.emit(event) : undefined,
      barrier: host.barrier,
    };
    const seed = Object.create(null) as Record<string, Record<string, unknown>>;
    const result = await this.scope.subRun(nestedMission, subOptions, guardedDispatcher(host.dispatcher, run), { seed, aliases: bare });
    const original = new Map(nested.map((s, i) => [s.id, bare[i]!]));
    for (const r of result.steps) this.scope.record(r);
    return {
      status: result.status,
      steps: result.steps.map((r) => ({ id: original.get(r.id) ?? r.id, status: r.status, outputs: r.outputs, error: r.error })),
    };
  }

  /** A sub-mission file: read through the policy (read access), validated like `mission validate`. */
  private async loadFile(file: string): Promise<Mission> {
    const { policy, workDir, registry } = this.scope.options;
    const path = await createFsCapability(policy, workDir).resolve(file, 'read');
    const validated = await validateMission(path, { registry, workDir });
    if (!validated.ok || validated.mission === null) throw new DiagnosticsError(validated.diagnostics);
    return validated.mission;
  }

  private childStep(child: ChildStepSpec, id: string, dependsOn: string[], continueOnError = false): MissionStep {
    if (typeof child.type !== 'string' || child.type === '') throw invalid(`child step "${child.id}" has no type`);
    const params = child.params ?? {};
    if (typeof params !== 'object' || Array.isArray(params)) throw invalid(`the params of child step "${child.id}" must be an object`);
    let timeoutSeconds = this.parent.timeoutSeconds;
    if (child.timeoutMs !== undefined) {
      if (!Number.isFinite(child.timeoutMs) || child.timeoutMs <= 0) throw invalid(`child step "${child.id}": timeoutMs must be a positive number`);
      timeoutSeconds = child.timeoutMs / 1000;
    }
    return {
      id: `${this.parent.id}/${id}`,
      name: child.id,
      type: child.type,
      parameters: params,
      dependsOn,
      timeoutSeconds,
      continueOnError,
      retry: NO_RETRY,
      // Resolved already: a child's parameters come from the parent's resolved values.
      hasTemplates: false,
    };
  }
}

/** The attempt host of one child: the parent run's sink, barrier and dispatcher; the parent attempt's signal. */
class ChildHost implements AttemptHost {
  readonly runId: string;
  readonly runSignal: AbortSignal;
  readonly sleep: AttemptHost['sleep'];
  readonly random: () => number;
  readonly hasSink: boolean;
  readonly barrier: (() => Promise<void>) | undefined;
  readonly active: Array<AttemptAbort | undefined> = [undefined];
  readonly deadlines = new Deadlines();
  readonly children: StepResult[] = [];
  private readonly used = new Set<string>();

  constructor(
    private readonly scope: ChildStepsScope,
    private readonly parent: MissionStep,
    private readonly control: AttemptControl,
    readonly dispatcher: StepDispatcher,
  ) {
    const host = scope.host;
    this.runId = host.runId;
    this.runSignal = control.signal;
    this.sleep = host.sleep;
    this.random = host.random;
    this.hasSink = host.hasSink;
    this.barrier = host.barrier;
  }

  /** The parent's abort (run stop, its timeout) reaches the child's attempt in flight; returns the unlink. */
  linkAbort(): () => void {
    const signal = this.runSignal;
    const onAbort = (): void => {
      for (const a of this.active) a?.abort(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  emit(event: Parameters<AttemptHost['emit']>[0]): void {
    this.scope.host.emit(event);
  }

  sinkFailed(error: unknown): void {
    this.scope.host.sinkFailed(error);
  }

  pure(type: string): boolean {
    return this.scope.host.pure(type);
  }

  resolveParams(step: MissionStep): Record<string, unknown> {
    return step.parameters;
  }

  cancelError(): StepError {
    const reason = this.control.reason;
    const why = isRustchainError(reason) && reason.code === 'E_STEP_TIMEOUT' ? 'parent_timeout' : 'parent';
    return { code: 'E_STEP_CANCELLED', message: `cancelled: its parent step "${this.parent.id}" stopped`, details: { reason: why, parent: this.parent.id } };
  }

  childSteps(_index: number, step: MissionStep, control: AttemptControl): StepsCapability {
    const scope = this.scope;
    return createChildSteps({ host: this, options: scope.options, record: (r) => this.children.push(r), claimId: (id) => claimChildId(this.used, id), subRun: scope.subRun }, step, control);
  }
}

/**
 * The run's dispatcher behind the static policy check a top-level step passes before the run
 * starts, here on the child's resolved parameters: step type, claims, a command's env names.
 */
function guardedDispatcher(inner: StepDispatcher, options: ExecuteOptions): StepDispatcher {
  const check = (request: StepRequest): void => {
    const step: MissionStep = {
      id: request.stepId, name: request.stepId, type: request.type, parameters: request.params, dependsOn: [],
      timeoutSeconds: 0, continueOnError: false, retry: NO_RETRY, hasTemplates: false,
    };
    const diagnostics = checkPolicy(syntheticMission(request.stepId, [step], 0), options.registry, options.policy, { workDir: options.workDir, env: options.env ?? process.env });
    const refused = diagnostics.find((d) => d.severity === 'error' && d.code !== 'E_POLICY_LIMIT');
    if (refused !== undefined) {
      throw new RustchainError(refused.code as ErrorCode, refused.message, { details: { stepId: request.stepId, pointer: (refused.pointer ?? '').replace(/^\/steps\/0/, '') }, nonRetryable: true });
    }
  };
  const guarded: StepDispatcher = {
    dispatch: async (request, signal) => {
      check(request);
      return inner.dispatch(request, signal);
    },
  };
  const attempt = inner.dispatchAttempt;
  if (attempt !== undefined) {
    guarded.dispatchAttempt = async (request, control) => {
      check(request);
      return attempt.call(inner, request, control);
    };
  }
  const prepare = inner.prepare;
  if (prepare !== undefined) guarded.prepare = (request) => prepare.call(inner, request);
  return guarded;
}

function syntheticMission(name: string, steps: MissionStep[], timeoutSeconds: number): Mission {
  return {
    source: { file: `<${name}>`, sha256: '' },
    version: '1.0',
    name,
    description: null,
    config: { failFast: true, timeoutSeconds, maxParallelSteps: null },
    vars: {},
    steps,
    sourceMap: {},
  };
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || id === '' || id.includes('/') || [...id].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw invalid(`a child step id must be a non-empty string without "/" or control characters, got ${JSON.stringify(id)}`);
  }
  return id;
}

function invalid(message: string): RustchainError {
  return new RustchainError('E_CHILD_STEP_INVALID', message, { nonRetryable: true });
}

/** The child's coded error as the parent sees it (rethrown by the plugin, it fails the parent with that code). */
function childError(error: StepError, stepId: string): RustchainError {
  return new RustchainError(error.code, error.message, { details: { ...error.details, childStepId: stepId }, nonRetryable: error.code.startsWith('E_POLICY_') || error.code === 'E_PARAMS_INVALID' });
}
