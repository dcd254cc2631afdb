import { basename, extname } from 'node:path';
import {
  DEFAULTS,
  type Mission,
  type MissionFile,
  type MissionStep,
  type MissionStepFile,
  type RetryPolicy,
  type RetryPolicyFile,
} from '../model/mission.ts';
import { containsTemplate } from '../template/scan.ts';
import { rewriteLegacyVariables } from './legacy-variables.ts';
import { normaliseStepType } from './step-types.ts';
import type { SourceIndex } from './tree.ts';

/** The step type string of a step, whichever of the two forms it used. */
function rawStepType(stepType: MissionStepFile['step_type']): string {
  return typeof stepType === 'string' ? stepType : stepType.type;
}

/** Applies every default of the format to a schema-valid mission file. */
export function normaliseMission(file: MissionFile, source: Mission['source'], index: SourceIndex): Mission {
  const config = file.config ?? {};
  const missionTimeout = config.timeout_seconds ?? DEFAULTS.timeoutSeconds;
  return {
    source,
    // The raw text matters only for a numeric version (`1.10`), and reading the index may
    // build it (load-tree.ts): only then.
    version: versionOf(file.version, typeof file.version === 'number' ? index.raw.get('/version') : undefined),
    name: file.name ?? basename(source.file, extname(source.file)),
    description: file.description ?? null,
    config: {
      failFast: config.fail_fast ?? DEFAULTS.failFast,
      timeoutSeconds: missionTimeout,
      maxParallelSteps: config.max_parallel_steps ?? null,
      ...(config.llm_budget == null ? {} : { llmBudget: llmBudgetOf(config.llm_budget) }),
      ...(config.rerun_redelivered === true ? { rerunRedelivered: true as const } : {}),
    },
    vars: { ...(file.vars ?? {}) },
    steps: rewriteLegacyVariables(file.steps.map((step) => normaliseStep(step, missionTimeout))),
    ...(file.finally !== undefined && file.finally.length > 0 ? { finally: file.finally.map((step) => normaliseStep(step, missionTimeout)) } : {}),
    // The index's positions are {line, column} objects in document order: exactly the map.
    // A getter: a fast-loaded mission's index is built only when a position is first needed.
    get sourceMap(): Mission['sourceMap'] {
      return index.values;
    },
  };
}

/**
 * Shared by every step that has no dependencies, parameters or retry policy: a 100,000-step
 * mission kept an array and two objects per step that said nothing. Frozen, so a write to one fails
 * loudly instead of reaching every other step.
 */
const NO_DEPENDENCIES: string[] = Object.freeze([]) as unknown as string[];
/** Parameters of a step that has none (plugins get their parameters read-only). */
const NO_PARAMETERS: Record<string, unknown> = Object.freeze({});
const DEFAULT_RETRY: RetryPolicy = Object.freeze({ ...DEFAULTS.retry });

function normaliseStep(step: MissionStepFile, missionTimeout: number): MissionStep {
  const parameters = (step.parameters ?? NO_PARAMETERS) as Record<string, unknown>;
  return {
    id: step.id,
    name: step.name ?? step.id,
    type: normaliseStepType(rawStepType(step.step_type)),
    parameters,
    dependsOn: dependencies(step.depends_on),
    timeoutSeconds: step.timeout_seconds ?? missionTimeout,
    continueOnError: step.continue_on_error ?? false,
    retry: retryPolicy(step.retry),
    hasTemplates: containsTemplate(parameters),
  };
}

/** The file's list without duplicates, in an array of exactly its length (a parsed one has spare capacity). */
function dependencies(list: readonly string[] | null | undefined): string[] {
  if (list == null || list.length === 0) return NO_DEPENDENCIES;
  if (list.length > 8) return [...new Set(list)];
  // Short lists (nearly all): a quadratic check allocates nothing.
  for (let i = 1; i < list.length; i++) if (list.lastIndexOf(list[i]!, i - 1) >= 0) return [...new Set(list)];
  return list.slice();
}

function retryPolicy(retry: RetryPolicyFile | undefined): RetryPolicy {
  if (retry === undefined) return DEFAULT_RETRY;
  const d = DEFAULTS.retry;
  return {
    attempts: retry.attempts,
    delaySeconds: retry.delay_seconds ?? d.delaySeconds,
    backoff: retry.backoff ?? d.backoff,
    factor: retry.factor ?? d.factor,
    maxDelaySeconds: retry.max_delay_seconds ?? d.maxDelaySeconds,
    jitter: retry.jitter ?? d.jitter,
  };
}

/** `version` as text: an unquoted `1.10` keeps its spelling (YAML would make it 1.1). */
function versionOf(version: string | number | undefined, raw: string | undefined): string {
  if (version === undefined) return '1.0';
  if (typeof version === 'string') return version;
  return raw !== undefined && /^[0-9][0-9._]*$/.test(raw) ? raw : String(version);
}

/** config.llm_budget in the model's camelCase (absent limits stay absent). */
function llmBudgetOf(b: NonNullable<NonNullable<MissionFile['config']>['llm_budget']>): NonNullable<Mission['config']['llmBudget']> {
  return {
    ...(b.max_input_tokens === undefined ? {} : { maxInputTokens: b.max_input_tokens }),
    ...(b.max_output_tokens === undefined ? {} : { maxOutputTokens: b.max_output_tokens }),
    ...(b.max_cost === undefined ? {} : { maxCost: b.max_cost }),
  };
}
