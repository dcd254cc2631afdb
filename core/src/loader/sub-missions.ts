import { realpath } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { formatDiagnostic, sortDiagnostics, type Diagnostic, type ErrorCode } from '../errors.ts';
import type { Mission } from '../model/mission.ts';
import type { ResourceClaim } from '../plugin/sdk.ts';
import { containsTemplate } from '../template/scan.ts';
import type { ValidateOptions, ValidationResult } from './validate.ts';

/**
 * Chained mission files (a step's `mission` claims, e.g. `chain` with `mission: b.yaml`) are
 * validated with the mission that chains them, recursively, so a broken or missing sub-mission
 * and a cycle between files (a.yaml → b.yaml → a.yaml, which would recurse at run time until
 * the timeout) are reported by `mission validate`, at the chaining step's parameter.
 */

type ValidateFile = (file: string, options: ValidateOptions) => Promise<ValidationResult>;

/** How deep chained files may nest (a chain deeper than this is surely a mistake). */
const MAX_DEPTH = 16;

/** `result` with the diagnostics of every file its steps chain, followed from `file`. */
export async function followSubMissions(result: ValidationResult, file: string, options: ValidateOptions, validateFile: ValidateFile): Promise<ValidationResult> {
  const found = await follow(result.mission!, [await canonical(resolve(file))], options, validateFile);
  if (found.length === 0) return result;
  const diagnostics = sortDiagnostics([...result.diagnostics, ...found]);
  return { ok: false, mission: null, diagnostics };
}

async function follow(mission: Mission, stack: string[], options: ValidateOptions, validateFile: ValidateFile): Promise<Diagnostic[]> {
  const registry = options.registry;
  if (!registry) return [];
  const workDir = options.workDir ?? process.cwd();
  const out: Diagnostic[] = [];
  const sections = [['/steps', mission.steps], ['/finally', mission.finally ?? []]] as const;
  for (const [section, steps] of sections) {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      for (const claim of missionClaims(step.type, step.parameters, registry)) {
        const pointer = `${section}/${i}/parameters${claim.pointer}`;
        const pos = mission.sourceMap[pointer] ?? mission.sourceMap[`${section}/${i}`] ?? { line: 1, column: 1 };
        const at = (code: ErrorCode, message: string, hint?: string): void => {
          out.push({ code, severity: 'error', message, file: mission.source.file, line: pos.line, column: pos.column, pointer, ...(hint === undefined ? {} : { hint }) });
        };
        const target = await canonical(resolve(workDir, claim.path));
        const loop = stack.indexOf(target);
        if (loop >= 0) {
          const path = [...stack.slice(loop), target].map((f) => relative(workDir, f) || f).join(' -> ');
          at('E_CHAIN_CYCLE', `step "${step.id}" chains ${claim.path}, which chains back: ${path}`, 'a chained mission must not (transitively) chain the mission that runs it');
          continue;
        }
        if (stack.length >= MAX_DEPTH) {
          at('E_CHAIN_CYCLE', `step "${step.id}" chains missions more than ${MAX_DEPTH} files deep`);
          continue;
        }
        const sub = await validateFile(target, { ...options, workDir });
        const subError = sub.diagnostics.find((d) => d.severity === 'error');
        if (subError !== undefined || sub.mission === null) {
          at(subError?.code ?? 'E_SCHEMA_TYPE', `step "${step.id}" chains ${claim.path}, which is invalid: ${subError ? formatDiagnostic(subError) : 'no mission'}`);
          continue;
        }
        const nested = await follow(sub.mission, [...stack, target], options, validateFile);
        // A problem deeper down is reported here too, at the step that leads to it.
        const first = nested[0];
        if (first !== undefined) at(first.code, `step "${step.id}" chains ${claim.path}: ${formatDiagnostic(first)}`);
      }
    }
  }
  return out;
}

/** The `mission` claims of a step whose parameters match its schema and hold no template. */
function missionClaims(type: string, params: Record<string, unknown>, registry: NonNullable<ValidateOptions['registry']>): Array<Extract<ResourceClaim, { kind: 'mission' }>> {
  const definition = registry.get(type)?.definition;
  if (definition?.claims === undefined || !Value.Check(definition.params, params)) return [];
  let claims: ResourceClaim[];
  try {
    claims = definition.claims(params as never);
  } catch {
    return []; // the policy check reports a claims() failure
  }
  return claims.filter((c): c is Extract<ResourceClaim, { kind: 'mission' }> => c.kind === 'mission' && !containsTemplate(c.path));
}

/** The real path when it exists (symlinked files are one file), else the resolved path. */
async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}
