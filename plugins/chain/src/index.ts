import { definePlugin, PluginError, Type, type ResourceClaim, type StepContext, type SubMissionResult, type SubMissionStep } from '@rustchain/core/plugin';

/**
 * `chain`: a sub-DAG run by the engine itself (ctx.steps.runMission), so every sub-step gets
 * what a top-level step gets: policy, params check, ledger, timeout, cancellation; ids are
 * nested under the chain (`<chain id>/<step_name>`). Three forms, as in the original plus one:
 * inline `steps`, a sub-mission file (`mission:`), or the original's legacy `prompt` (one `llm`
 * child step).
 */

/** One nested step, in the original's shape (`step_name`, `step_type`, `parameters`, `timeout_seconds`). */
const SubStep = Type.Object(
  {
    step_name: Type.String({ minLength: 1, description: 'the sub-step id (nested as <chain id>/<step_name>)' }),
    step_type: Type.Union([Type.String({ minLength: 1 }), Type.Object({ type: Type.String({ minLength: 1 }) }, { additionalProperties: true })], {
      description: 'a step type (or `{ type: ... }`, as the original accepted)',
    }),
    parameters: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    timeout_seconds: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
    depends_on: Type.Optional(Type.Array(Type.String(), { description: 'other sub-steps this one waits for (parallel chains); sequential chains order by position' })),
    continue_on_error: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

/** Parameters of a `chain` step. */
const Params = Type.Object(
  {
    type: Type.Optional(Type.Union([Type.Literal('sequential'), Type.Literal('parallel')], { description: 'sequential (default): one after another, each after the previous; parallel: all at once (or as `depends_on` says)' })),
    steps: Type.Optional(Type.Array(SubStep, { minItems: 1 })),
    mission: Type.Optional(Type.String({ minLength: 1, description: 'a mission file run as the sub-DAG (relative to the working dir); validated, policy-checked, its own templates and vars' })),
    prompt: Type.Optional(Type.String({ minLength: 1, description: 'legacy form: one `llm` child step with this prompt (model, provider, temperature, max_tokens, system passed through)' })),
    max_parallel: Type.Optional(Type.Integer({ minimum: 1, description: 'parallel chains: at most this many sub-steps at once (default unbounded)' })),
    fail_fast: Type.Optional(Type.Boolean({ description: 'stop the sub-DAG at the first failure (default true)' })),
    model: Type.Optional(Type.String()),
    provider: Type.Optional(Type.String()),
    temperature: Type.Optional(Type.Number()),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
    system: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

/** Outputs of a `chain` step. */
const Outputs = Type.Object({
  type: Type.String({ description: 'sequential or parallel' }),
  result: Type.String({ description: 'the original\'s chain result: `Step <name>: <text>` per sub-step that produced text, blank-line separated (the llm text in the prompt form)' }),
  steps: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), { description: 'each sub-step\'s outputs by step_name' }),
  status: Type.Record(Type.String(), Type.String(), { description: 'each sub-step\'s status (succeeded, failed with continue_on_error, skipped...)' }),
});

type Params = typeof Params.static;

/** The step type a sub-step names; `Tool`, the original's one legacy alias, is `tool`. */
function stepType(value: SubStepValue['step_type']): string {
  const raw = typeof value === 'string' ? value : value.type;
  return raw === 'Tool' ? 'tool' : raw;
}

type SubStepValue = typeof SubStep.static;

/** The text a sub-step's outputs stand for in `result`, or null when they have none. */
function textOf(outputs: Record<string, unknown>): string | null {
  for (const key of ['text', 'result', 'content', 'stdout', 'body', 'output']) {
    const value = outputs[key];
    if (typeof value === 'string') return value;
  }
  return null;
}

function subSteps(params: Params): SubMissionStep[] {
  const parallel = params.type === 'parallel';
  const steps = params.steps ?? [];
  return steps.map((s, i) => {
    const previous = i > 0 ? steps[i - 1]!.step_name : undefined;
    const dependsOn = [...(s.depends_on ?? []), ...(!parallel && previous !== undefined ? [previous] : [])];
    const out: SubMissionStep = { id: s.step_name, type: stepType(s.step_type), params: s.parameters ?? {}, dependsOn: [...new Set(dependsOn)] };
    if (typeof s.timeout_seconds === 'number') out.timeoutMs = s.timeout_seconds * 1000;
    if (s.continue_on_error === true) out.continueOnError = true;
    return out;
  });
}

/** The legacy prompt form: one `llm` child step named `llm`. */
function promptStep(params: Params): SubMissionStep {
  const llm: Record<string, unknown> = { prompt: params.prompt };
  for (const key of ['model', 'provider', 'temperature', 'max_tokens', 'system'] as const) if (params[key] !== undefined) llm[key] = params[key];
  return { id: 'llm', type: 'llm', params: llm };
}

async function runChain(params: Params, ctx: StepContext): Promise<SubMissionResult> {
  const forms = [params.steps, params.mission, params.prompt].filter((v) => v !== undefined).length;
  if (forms !== 1) {
    throw new PluginError('E_PARAMS_INVALID', 'a chain needs exactly one of `steps`, `mission` or `prompt`', { details: { stepId: ctx.stepId }, nonRetryable: true });
  }
  const parallel = params.type === 'parallel' ? (params.max_parallel ?? true) : 1;
  const options = { parallel, failFast: params.fail_fast ?? true };
  if (params.mission !== undefined) return ctx.steps.runMission({ file: params.mission }, options);
  if (params.prompt !== undefined) return ctx.steps.runMission({ steps: [promptStep(params)] }, options);
  const steps = subSteps(params);
  const names = new Set<string>();
  for (const s of steps) {
    if (names.has(s.id)) throw new PluginError('E_PARAMS_INVALID', `two chain sub-steps are named "${s.id}"`, { details: { stepId: ctx.stepId, step_name: s.id }, nonRetryable: true });
    names.add(s.id);
  }
  return ctx.steps.runMission({ steps }, options);
}

export default definePlugin({
  type: 'chain',
  description: 'Run nested steps (sequential or parallel) or a sub-mission file as a sub-DAG of this step, each sub-step under the same policy and ledger',
  params: Params,
  outputs: Outputs,
  // Its sub-steps use their own capabilities, judged when they run.
  capabilities: [],
  // What a chain does is what its sub-steps do: judged per child by their own plugins.
  effect: 'side-effect',
  // The sub-mission file, and each inline sub-step as a child step: `policy check` judges the
  // sub-steps' types and their own claims before anything runs.
  claims(params): ResourceClaim[] {
    if (params.mission !== undefined) return [{ kind: 'mission', path: params.mission, pointer: '/mission' }];
    if (params.prompt !== undefined) return [{ kind: 'step', type: 'llm', params: promptStep(params).params, pointer: '' }];
    return (params.steps ?? []).map((s, i) => ({ kind: 'step', type: stepType(s.step_type), params: s.parameters ?? {}, pointer: `/steps/${i}/parameters` }));
  },
  async run(params, ctx) {
    const sub = await runChain(params, ctx);
    if (sub.status === 'cancelled' && ctx.signal.aborted) throw ctx.signal.reason;
    const failed = sub.steps.find((s) => s.status === 'failed' && s.error !== null && !isContinued(params, s.id));
    if (failed !== undefined || (sub.status !== 'succeeded' && sub.steps.some((s) => s.status !== 'succeeded' && !isContinued(params, s.id)))) {
      const cause = failed ?? sub.steps.find((s) => s.error !== null && !isContinued(params, s.id));
      const error = cause?.error;
      throw new PluginError((error?.code ?? 'E_STEP_CANCELLED') as `E_${Uppercase<string>}`, `chain sub-step "${cause?.id ?? '?'}" ${cause?.status ?? 'failed'}: ${error?.message ?? 'no detail'}`, {
        details: { step: cause?.id ?? null, ...(error?.details ?? {}) },
        nonRetryable: true,
      });
    }
    const steps: Record<string, Record<string, unknown>> = {};
    const status: Record<string, string> = {};
    const parts: string[] = [];
    for (const s of sub.steps) {
      steps[s.id] = s.outputs;
      status[s.id] = s.status;
      const text = s.status === 'succeeded' ? textOf(s.outputs) : null;
      if (text !== null) parts.push(params.prompt !== undefined ? text : `Step ${s.id}: ${text}`);
    }
    return { type: params.type ?? 'sequential', result: parts.join('\n\n'), steps, status };
  },
});

function isContinued(params: Params, id: string): boolean {
  return params.steps?.some((s) => s.step_name === id && s.continue_on_error === true) ?? false;
}
