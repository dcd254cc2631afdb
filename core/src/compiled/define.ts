import { DEFAULTS, type Mission, type MissionStep } from '../model/mission.ts';
import type { DefinedPlugin, StepTypeLookup } from '../plugin/sdk.ts';
import { containsTemplate } from '../template/scan.ts';
import { materialiseParameters } from './accessor.ts';
import { COMPILED_MISSION_MARKER, type CompiledMissionSpec } from './types.ts';

/** What a compiled module default-exports. */
export interface CompiledMission extends CompiledMissionSpec {
  readonly kind: typeof COMPILED_MISSION_MARKER;
  /**
   * The mission as the executor consumes it (accessors turned back into templates).
   * `sourceFile` overrides the recorded source path (e.g. resolved against the module).
   */
  toMission(sourceFile?: string): Mission;
  /** A step-type lookup over the plugins the module imported (for standalone runs). */
  lookup(): StepTypeLookup;
}

/** Declares a compiled mission; `rustchain run` and bundles execute what it returns. */
export function defineCompiledMission(spec: CompiledMissionSpec): CompiledMission {
  return Object.freeze({
    ...spec,
    kind: COMPILED_MISSION_MARKER,
    toMission: (sourceFile?: string) => toMission(spec, sourceFile),
    lookup: () => lookupOf(spec.plugins),
  });
}

/** True when `value` is what `defineCompiledMission` returned (works across copies of core). */
export function isCompiledMission(value: unknown): value is CompiledMission {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === COMPILED_MISSION_MARKER;
}

function toMission(spec: CompiledMissionSpec, sourceFile: string | undefined): Mission {
  const steps = spec.steps.map((step): MissionStep => {
    const parameters = (materialiseParameters(step.parameters) ?? {}) as Record<string, unknown>;
    return {
      id: step.id,
      name: step.name ?? step.id,
      type: step.type,
      parameters,
      dependsOn: [...(spec.schedule.dependencies[step.id] ?? [])],
      timeoutSeconds: step.timeoutSeconds,
      continueOnError: step.continueOnError ?? false,
      retry: { ...(step.retry ?? DEFAULTS.retry) },
      hasTemplates: containsTemplate(parameters),
    };
  });
  return {
    source: { file: sourceFile ?? spec.manifest.source.file, sha256: spec.manifest.source.sha256 },
    version: spec.manifest.mission.version,
    name: spec.manifest.mission.name,
    description: spec.manifest.mission.description,
    config: { ...spec.config },
    vars: { ...spec.vars },
    steps,
    // Positions refer to the YAML source, which a compiled run does not re-read.
    sourceMap: {},
  };
}

function lookupOf(plugins: Readonly<Record<string, DefinedPlugin>>): StepTypeLookup {
  const byType = new Map(Object.values(plugins).map((definition) => [definition.type, { definition }]));
  return {
    get: (type) => byType.get(type),
    has: (type) => byType.has(type),
    types: () => [...byType.keys()].sort(),
  };
}
