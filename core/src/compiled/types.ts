import type { Static, TSchema } from '@sinclair/typebox';
import type { DefinedPlugin } from '../plugin/sdk.ts';
import type { RetryPolicy } from '../model/mission.ts';

/**
 * Types a compiled mission module (`*.mission.ts`, emitted by @rustchain/compiler) is
 * written against. The module is plain data plus typed accessors; `defineCompiledMission`
 * turns it back into a `Mission` so it runs through the same executor as YAML.
 */

/**
 * A parameter value as a compiled module writes it: the literal itself, or (for a value
 * that held a `${{ }}` template) an accessor over the typed template context `C`.
 */
export type Templated<T, C> =
  | ((c: C) => T)
  | (T extends readonly (infer E)[]
      ? readonly Templated<E, C>[]
      : T extends object
        ? { [K in keyof T]: Templated<T[K], C> }
        : T);

/** The parameters of a plugin's step, as a compiled module may write them. */
export type ParamsOf<P extends { readonly params: TSchema }, C> = Templated<Static<P['params']>, C>;

/** The outputs a plugin's step produces (its typebox `outputs` schema, as a type). */
export type OutputsOf<P extends { readonly outputs: TSchema }> = Static<P['outputs']>;

/** One plugin a compiled module was built against. */
export interface CompiledPluginRecord {
  readonly package: string;
  readonly version: string;
  /** Lockfile integrity at compile time; null for workspace links or without a lockfile. */
  readonly integrity: string | null;
}

/** What the compiled module records about its origin: checked for drift before a run. */
export interface CompiledManifest {
  readonly format: 'rustchain.compiled/v1';
  readonly compiler: string;
  readonly mission: {
    readonly name: string;
    readonly version: string;
    readonly description: string | null;
  };
  /** Source path relative to the compiled module's directory, and SHA-256 of its bytes. */
  readonly source: { readonly file: string; readonly sha256: string };
  /** Keyed by step type. */
  readonly plugins: Readonly<Record<string, CompiledPluginRecord>>;
}

/** The static schedule, as literal data a reviewer can read. */
export interface CompiledSchedule {
  /** Topological order (ties broken by file order). */
  readonly order: readonly string[];
  /** Direct dependencies of each step, in file order. */
  readonly dependencies: Readonly<Record<string, readonly string[]>>;
  /** Parallel waves: every step of a wave depends only on earlier waves. */
  readonly waves: readonly (readonly string[])[];
  readonly criticalPath: readonly string[];
  /** Sum of the timeouts along the critical path (an upper bound on the makespan). */
  readonly criticalPathSeconds: number;
}

/** One step of a compiled module; omitted fields take the defaults noted. */
export interface CompiledStep {
  readonly id: string;
  readonly type: string;
  /** Defaults to `id`. */
  readonly name?: string;
  readonly timeoutSeconds: number;
  /** Defaults to false. */
  readonly continueOnError?: boolean;
  /** Defaults to DEFAULTS.retry. */
  readonly retry?: RetryPolicy;
  /** Literal values and template accessors (see `Templated`). */
  readonly parameters: unknown;
}

/** Everything a compiled module hands to `defineCompiledMission`. */
export interface CompiledMissionSpec {
  readonly manifest: CompiledManifest;
  readonly schedule: CompiledSchedule;
  /** The imported plugin definitions, keyed by step type. */
  readonly plugins: Readonly<Record<string, DefinedPlugin>>;
  readonly config: {
    readonly failFast: boolean;
    readonly timeoutSeconds: number;
    readonly maxParallelSteps: number | null;
    /** config.llm_budget, when the mission sets one. */
    readonly llmBudget?: { readonly maxInputTokens?: number; readonly maxOutputTokens?: number; readonly maxCost?: number };
  };
  readonly vars: Readonly<Record<string, string | number | boolean>>;
  /** In mission file order. */
  readonly steps: readonly CompiledStep[];
}

/** Marker on the value `defineCompiledMission` returns. */
export const COMPILED_MISSION_MARKER = 'rustchain.compiled-mission/v1';
