import { realpath } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { formatDiagnostic, sortDiagnostics, type Diagnostic, type ErrorCode } from '../errors.ts';
import type { Mission } from '../model/mission.ts';
import type { ResourceClaim } from '../plugin/sdk.ts';
import { checkStepParams } from '../plugin/params-check.ts';
import { containsTemplate } from '../template/scan.ts';
import { claimsFor } from './empty-params.ts';
import type { ValidateOptions, ValidationResult } from './validate.ts';

/**
 * Chained mission files (a step's `mission` claims, e.g. `chain` with `mission: b.yaml`) are
 * validated with the mission that chains them, recursively, so a broken or missing sub-mission
 * and a cycle between files (a.yaml → b.yaml → a.yaml, which would recurse at run time until
 * the timeout) are reported by `mission validate`, at the chaining step's parameter. Child
 * steps a step declares (`step` claims: chain sub-steps, a tool's step type) get the checks a
 * top-level step gets: a known step type and parameters matching its schema.
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
      const claims = nestedClaims(step.type, step.parameters, registry);
      if (claims === NO_CLAIMS) continue;
      for (const { claim, base } of claims.steps) {
        const pointer = `${section}/${i}/parameters${base}${claim.pointer}`;
        const report = (code: ErrorCode, message: string, at: string): void => {
          const pos = mission.sourceMap[at] ?? mission.sourceMap[pointer] ?? mission.sourceMap[`${section}/${i}`] ?? { line: 1, column: 1 };
          out.push({ code, severity: 'error', message, file: mission.source.file, line: pos.line, column: pos.column, pointer: at });
        };
        const child = registry.get(claim.type)?.definition;
        if (child === undefined) {
          if (!registry.has(claim.type)) report('E_STEP_TYPE_UNKNOWN', `step "${step.id}" runs a child step of type "${claim.type}", which no plugin provides`, pointer);
          continue;
        }
        for (const problem of checkStepParams(child.params, claim.params).slice(0, 10)) {
          report(problem.code as ErrorCode, `step "${step.id}", child ${claim.type}: ${problem.message}`, `${pointer}${problem.pointer}`);
        }
      }
      for (const claim of claims.missions) {
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

type StepClaim = Extract<ResourceClaim, { kind: 'step' }>;
type MissionClaim = Extract<ResourceClaim, { kind: 'mission' }>;

/** What nestedClaims finds for one step. */
interface NestedClaims {
  missions: MissionClaim[];
  steps: Array<{ claim: StepClaim; base: string }>;
}

/**
 * The `mission` claims and the (nested) `step` claims of a step whose parameters match its
 * schema; claims still holding a template are left to run time.
 */
function nestedClaims(type: string, params: Record<string, unknown>, registry: NonNullable<ValidateOptions['registry']>): NestedClaims {
  // Most steps claim nothing (claimsFor answers empty parameters once per type): they share
  // one empty answer instead of three new objects each.
  const definition = registry.get(type)?.definition;
  const claims = definition === undefined ? null : claimsFor(definition, params);
  if (claims === null || claims.length === 0) return NO_CLAIMS;
  const out: NestedClaims = { missions: [], steps: [] };
  walkClaims(type, params, '', 0, registry, out, claims);
  return out;
}

const NO_CLAIMS: NestedClaims = Object.freeze({ missions: Object.freeze([]) as never[], steps: Object.freeze([]) as never[] });

/** nestedClaims' walk into `out` (a function, not a closure per step: tsx names every closure it creates). */
function walkClaims(stepType: string, stepParams: Record<string, unknown>, base: string, depth: number, registry: NonNullable<ValidateOptions['registry']>, out: NestedClaims, known?: readonly ResourceClaim[]): void {
  const definition = registry.get(stepType)?.definition;
  if (definition === undefined || depth > MAX_DEPTH) return;
  // Claims of parameters that match the schema; a claims() failure is the policy check's to report.
  const claims = known ?? claimsFor(definition, stepParams);
  if (claims === null) return;
  for (const c of claims) {
    if (c.kind === 'mission' && depth === 0 && !containsTemplate(c.path)) out.missions.push(c);
    if (c.kind === 'step' && !containsTemplate(c.type) && !containsTemplate(c.params)) {
      out.steps.push({ claim: c, base });
      walkClaims(c.type, c.params, `${base}${c.pointer}`, depth + 1, registry, out);
    }
  }
}

/** The real path when it exists (symlinked files are one file), else the resolved path. */
async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}
