import { Type, type Static } from '@sinclair/typebox';

/**
 * The mission file format: a strict superset of the Rust RustChain format
 * (see shared/corpus/rustchain-missions/_MANIFEST.md). Every field the original accepted
 * means the same here; additions are optional. Unknown keys are not part of the schema:
 * the loader reports them as warnings (the original ignored them silently).
 */

/** Retry policy for one step: exponential backoff with optional jitter. */
export const RetryPolicySchema = Type.Object(
  {
    attempts: Type.Integer({ minimum: 1, maximum: 100, description: 'total attempts, including the first' }),
    delay_seconds: Type.Optional(Type.Number({ minimum: 0, description: 'delay before the 2nd attempt (default 1)' })),
    backoff: Type.Optional(Type.Union([Type.Literal('exponential'), Type.Literal('fixed')])),
    factor: Type.Optional(Type.Number({ minimum: 1, description: 'exponential factor (default 2)' })),
    max_delay_seconds: Type.Optional(Type.Number({ minimum: 0, description: 'cap on any one delay (default 60)' })),
    jitter: Type.Optional(Type.Boolean({ description: 'randomise each delay within [delay/2, delay] (default true)' })),
  },
  { additionalProperties: false },
);

/** `step_type` as the original accepted it: a string, or an object with a `type` key. */
const StepTypeSchema = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Object({ type: Type.String({ minLength: 1 }) }, { additionalProperties: true }),
]);

/** One step of a mission. */
export const MissionStepSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.Optional(Type.String({ description: 'display name; defaults to id (the original required it)' })),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  step_type: StepTypeSchema,
  parameters: Type.Optional(Type.Unknown({ description: 'step-type specific; absent or null means {}' })),
  depends_on: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  timeout_seconds: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  continue_on_error: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  retry: Type.Optional(RetryPolicySchema),
});

/** `config.llm_budget`: limits on the run's model calls, checked before each call (E_LLM_BUDGET_EXCEEDED). */
const LlmBudgetSchema = Type.Object(
  {
    max_input_tokens: Type.Optional(Type.Integer({ minimum: 0, description: 'input (prompt) tokens of all model calls of the run' })),
    max_output_tokens: Type.Optional(Type.Integer({ minimum: 0, description: 'output tokens of all model calls (a call counts its max_tokens until it returns)' })),
    max_cost: Type.Optional(Type.Number({ minimum: 0, description: 'cost by settings.llm.prices (a model without a price is refused)' })),
  },
  { additionalProperties: false },
);

/** Mission-wide settings. */
export const MissionConfigSchema = Type.Object({
  fail_fast: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  timeout_seconds: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  max_parallel_steps: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  llm_budget: Type.Optional(Type.Union([LlmBudgetSchema, Type.Null()])),
  rerun_redelivered: Type.Optional(Type.Union([Type.Boolean({ description: 'redis backend: a step with side effects whose worker died mid-step runs again on another worker instead of failing with E_STEP_REDELIVERED' }), Type.Null()])),
});

/** Scalar values a mission may declare in `vars`. */
const VarValueSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

/** A whole mission file. */
export const MissionSchema = Type.Object({
  version: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  steps: Type.Array(MissionStepSchema),
  finally: Type.Optional(
    Type.Array(MissionStepSchema, {
      description: 'steps run after the main steps end (success, failure or cancellation); may depend on each other and read main steps\' outputs',
    }),
  ),
  config: Type.Optional(Type.Union([MissionConfigSchema, Type.Null()])),
  vars: Type.Optional(Type.Record(Type.String(), VarValueSchema)),
});

/** A mission as written in the file (after YAML/JSON parsing, before normalisation). */
export type MissionFile = Static<typeof MissionSchema>;
/** A step as written in the file. */
export type MissionStepFile = Static<typeof MissionStepSchema>;
/** Mission config as written in the file. */
export type MissionConfigFile = Static<typeof MissionConfigSchema>;
/** Retry policy as written in the file. */
export type RetryPolicyFile = Static<typeof RetryPolicySchema>;

/** Defaults the original RustChain applied, kept so old missions mean the same thing. */
export const DEFAULTS = {
  timeoutSeconds: 300,
  failFast: true,
  retry: { attempts: 1, delaySeconds: 1, backoff: 'exponential', factor: 2, maxDelaySeconds: 60, jitter: true },
} as const;

/** A retry policy with every default filled in. */
export interface RetryPolicy {
  attempts: number;
  delaySeconds: number;
  backoff: 'exponential' | 'fixed';
  factor: number;
  maxDelaySeconds: number;
  jitter: boolean;
}

/** A step after loading: defaults applied, step type normalised to snake_case. */
export interface MissionStep {
  /** Unique id. */
  id: string;
  /** Display name (defaults to id). */
  name: string;
  /** Normalised step type, e.g. `create_file` (legacy `Tool` becomes `tool`). */
  type: string;
  /** Parameters as written (templates unresolved); `{}` when absent or null. */
  parameters: Record<string, unknown>;
  /** Direct dependencies, in file order, without duplicates. */
  dependsOn: string[];
  /** Effective timeout: step, then config, then 300 s. 0 means none. */
  timeoutSeconds: number;
  continueOnError: boolean;
  retry: RetryPolicy;
  /** True when some parameter string contains `${{`: lets the executor skip templating. */
  hasTemplates: boolean;
}

/** A loaded, validated mission: what the executor, policy checker and compiler consume. */
export interface Mission {
  /** Where it came from: path as given, and the SHA-256 of the exact bytes read. */
  source: { file: string; sha256: string };
  version: string;
  name: string;
  description: string | null;
  config: {
    failFast: boolean;
    timeoutSeconds: number;
    maxParallelSteps: number | null;
    /** config.llm_budget; absent = unlimited. */
    llmBudget?: { maxInputTokens?: number; maxOutputTokens?: number; maxCost?: number };
    /** config.rerun_redelivered (redis backend); absent = false: a re-delivered side-effect step fails (E_STEP_REDELIVERED). */
    rerunRedelivered?: true;
  };
  vars: Record<string, string | number | boolean>;
  /** Steps in file order. */
  steps: MissionStep[];
  /**
   * The `finally:` section: run once the main steps are over, whatever their outcome (not
   * when the ledger failed). Ids are unique across both lists; absent when the file has none.
   */
  finally?: MissionStep[];
  /** JSON pointer (e.g. `/steps/2/depends_on/0`) → 1-based position in the source file. */
  sourceMap: Record<string, { line: number; column: number }>;
}
