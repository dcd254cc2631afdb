import type { TSchema } from '@sinclair/typebox';
import type { MissionStep } from '../model/mission.ts';
import type { StepTypeLookup } from '../plugin/sdk.ts';
import { scanTemplates } from '../template/scan.ts';
import { upstreamOf } from './graph-check.ts';
import type { Reporter } from './locate.ts';
import { didYouMean } from './suggest.ts';
import type { Position, SourceIndex } from './tree.ts';
import { isEmptyPlainObject } from './empty-params.ts';

/**
 * Every `${{ }}` in step parameters must parse, and name something that will exist when the
 * step runs: an upstream step (a transitive dependency, or its outputs are not there yet), a
 * declared var, and — when the plugins are known — an output the producing step declares.
 */
export function checkTemplates(
  steps: ReadonlyArray<Pick<MissionStep, 'id' | 'type' | 'parameters' | 'dependsOn'>>,
  vars: Readonly<Record<string, unknown>>,
  registry: StepTypeLookup | null,
  index: SourceIndex,
  report: Reporter,
): void {
  // Steps by id, made when the first template naming a step needs it (most steps have none).
  let byIdMap: Map<string, (typeof steps)[number]> | null = null;
  const byId = (): Map<string, (typeof steps)[number]> => {
    if (byIdMap === null) {
      byIdMap = new Map();
      for (const s of steps) byIdMap.set(s.id, s);
    }
    return byIdMap;
  };
  const varNames = Object.keys(vars);
  const at = (pointer: string, offset: number): Position => {
    const base = report.valueAt(pointer);
    const column = index.valueColumns.get(pointer);
    return column === undefined ? base : { line: base.line, column: column + offset };
  };
  steps.forEach((step, i) => {
    // Empty parameters hold no template (and need no pointer string): most steps of a large mission.
    if (isEmptyPlainObject(step.parameters)) return;
    const { refs, problems } = scanTemplates(step.parameters, `/steps/${i}/parameters`);
    for (const p of problems) {
      report.add('E_TEMPLATE_SYNTAX', `${p.message}: ${p.expression}`, p.pointer, { position: at(p.pointer, p.offset) });
    }
    let upstream: Set<string> | null = null;
    for (const occurrence of refs) {
      const { ref, pointer, offset, expression } = occurrence;
      // Computed only for a diagnostic: a position may need the full parse (load-tree.ts).
      const position = (): Position => at(pointer, offset);
      if (ref.kind === 'vars') {
        if (!Object.prototype.hasOwnProperty.call(vars, ref.name)) {
          const guess = didYouMean(ref.name, varNames);
          report.add('E_TEMPLATE_UNKNOWN_VAR', `${expression}: \`${ref.name}\` is not declared in \`vars\``, pointer, {
            position: position(),
            hint: guess ? `did you mean \`${guess}\`?` : `declare it under \`vars:\` at the top of the mission`,
          });
        }
        continue;
      }
      if (ref.kind !== 'steps') continue;
      const producer = byId().get(ref.stepId);
      if (!producer) {
        const guess = didYouMean(ref.stepId, byId().keys());
        report.add('E_TEMPLATE_UNKNOWN_STEP', `${expression}: no step has the id \`${ref.stepId}\``, pointer, {
          position: position(),
          ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}),
        });
        continue;
      }
      upstream ??= upstreamOf(step.id, byId());
      if (!upstream.has(ref.stepId)) {
        report.add('E_TEMPLATE_NOT_UPSTREAM', `${expression}: step \`${ref.stepId}\` is not a dependency of \`${step.id}\`, so its outputs may not exist yet`, pointer, {
          position: position(),
          hint: `add \`${ref.stepId}\` to the depends_on of \`${step.id}\``,
        });
        continue;
      }
      const outputs = registry?.get(producer.type)?.definition.outputs;
      const declared = outputs ? declaredOutputs(outputs) : null;
      if (declared && !declared.includes(ref.output)) {
        const guess = didYouMean(ref.output, declared);
        report.add('E_TEMPLATE_UNKNOWN_OUTPUT', `${expression}: step type \`${producer.type}\` has no output \`${ref.output}\``, pointer, {
          position: position(),
          hint: guess ? `did you mean \`${guess}\`?` : `outputs of \`${producer.type}\`: ${declared.join(', ') || '(none)'}`,
        });
      }
    }
  });
}

/** Property names of a closed object schema; null when any name may appear. */
function declaredOutputs(schema: TSchema): string[] | null {
  const s = schema as { type?: unknown; properties?: Record<string, unknown>; additionalProperties?: unknown; patternProperties?: unknown };
  if (s.type !== 'object' || !s.properties) return null;
  if (s.patternProperties || (s.additionalProperties !== undefined && s.additionalProperties !== false)) return null;
  return Object.keys(s.properties);
}
