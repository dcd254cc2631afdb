import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sortDiagnostics, type Diagnostic } from '../errors.ts';
import { MissionSchema, type Mission, type MissionFile, type MissionStep, type MissionStepFile } from '../model/mission.ts';
import type { StepTypeLookup } from '../plugin/sdk.ts';
import { checkFields } from './fields.ts';
import { checkFinallyDeps, checkFinallyIds, finallyReporter } from './finally-check.ts';
import { checkGraph } from './graph-check.ts';
import { checkBytes, checkText, DEFAULT_MAX_BYTES, suspiciousCharacter } from './input.ts';
import { createReporter, type Reporter } from './locate.ts';
import { normaliseMission } from './normalise.ts';
import { loadTree } from './load-tree.ts';
import { checkSchema, loadSchemaCompiler } from './schema-check.ts';
import { checkStepTypes, type StepViews, type TypedStep } from './step-type-check.ts';
import { followSubMissions } from './sub-missions.ts';
import { loadStepTypes } from './load-step-types.ts';
import { checkTemplates } from './template-check.ts';

/** From this size (~2,000 noop steps) a mission file's schema checks are compiled (loadSchemaCompiler). */
const COMPILE_SCHEMAS_FROM_BYTES = 128 * 1024;

/** Options of validateMission / validateMissionText. */
export interface ValidateOptions {
  /** Where a chained mission's relative path (a `mission` claim) resolves; default process.cwd(). */
  workDir?: string;
  /** Installed step types; null/undefined skips step-type, parameter and output checks. */
  registry?: StepTypeLookup | null;
  /** Larger files are refused before parsing (E_INPUT_TOO_LARGE). Default 5 MiB. */
  maxBytes?: number;
  /** Unknown keys (mission fields and parameters) are errors, not warnings (`--strict`). */
  strict?: boolean;
}

/** Outcome of validation: `mission` is null iff some diagnostic is an error. */
export interface ValidationResult {
  ok: boolean;
  mission: Mission | null;
  /** Errors and warnings, sorted by position. */
  diagnostics: Diagnostic[];
}

/**
 * Reads, parses and validates a mission file (.yaml, .yml or .json). With a registry, the
 * mission files its steps chain (`mission` claims) are validated too, cycles included.
 */
export async function validateMission(file: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  const result = await validateFile(file, options);
  return options.registry && result.ok ? followSubMissions(result, file, options, validateFile) : result;
}

async function validateFile(file: string, options: ValidateOptions): Promise<ValidationResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return finishWith([{ code: 'E_FILE_NOT_FOUND', severity: 'error', message: `cannot read the mission file (${reason})`, file, line: 1, column: 1 }], null);
  }
  const input = checkBytes(bytes, file, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (!input.ok) return finishWith(input.diagnostics, null);
  // A large mission's schema checks are compiled; a small one's start-up does not pay for that.
  if (bytes.length >= COMPILE_SCHEMAS_FROM_BYTES) await loadSchemaCompiler();
  const parsed = parseChecked(input.text, bytes, file, options);
  if (!('mission' in parsed)) return parsed.result;
  // A lazy registry imports just the plugins of the step types this mission names.
  if (options.registry) await loadStepTypes(options.registry, [...parsed.mission.steps, ...(parsed.mission.finally ?? [])]);
  return checkParsed(parsed, options);
}

/**
 * Validates mission text; `file` names it in diagnostics and picks strict JSON for `.json`.
 * Synchronous: a lazy registry must have the mission's step types loaded (validateMission
 * loads them itself).
 */
export function validateMissionText(text: string, file: string, options: ValidateOptions = {}): ValidationResult {
  const input = checkText(text, file, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (!input.ok) return finishWith(input.diagnostics, null);
  const parsed = parseChecked(input.text, Buffer.from(text, 'utf8'), file, options);
  return 'mission' in parsed ? checkParsed(parsed, options) : parsed.result;
}

function finishWith(diagnostics: Diagnostic[], mission: Mission | null): ValidationResult {
  const sorted = sortDiagnostics(diagnostics);
  const ok = !sorted.some((d) => d.severity === 'error');
  return { ok, mission: ok ? mission : null, diagnostics: sorted };
}

/** A mission parsed and checked on its own, awaiting the registry's checks (checkParsed). */
interface Parsed {
  mission: Mission;
  value: MissionFile;
  tree: NonNullable<ReturnType<typeof loadTree>['tree']>;
  report: Reporter;
  cleanupReport: Reporter;
  strict: { strict: boolean };
}

/** Parses and checks what needs no registry; `result` when that already ends validation. */
function parseChecked(text: string, bytes: Uint8Array, file: string, options: ValidateOptions): Parsed | { result: ValidationResult } {
  const stop = (diagnostics: Diagnostic[], mission: null): { result: ValidationResult } => ({ result: finishWith(diagnostics, mission) });
  const { tree, diagnostics: parseDiagnostics } = loadTree(text, file);
  if (!tree) return stop(parseDiagnostics, null);
  const report = createReporter(file, tree.index);
  report.diagnostics.push(...parseDiagnostics);
  // An alias bomb or a too-deep tree leaves partial data: nothing further is meaningful.
  if (tree.diagnostics.some((d) => d.code === 'E_YAML_ALIAS_LIMIT' || d.code === 'E_INPUT_TOO_DEEP')) return stop(report.diagnostics, null);

  const value = tree.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report.add('E_SCHEMA_TYPE', 'a mission is a mapping with `steps` (and usually `version` and `name`)', '');
    return stop(report.diagnostics, null);
  }
  const schemaProblems = checkSchema(MissionSchema, value);
  for (const p of schemaProblems) {
    const hint = schemaHint(p.pointer, p.code);
    report.add(p.code, p.message, p.pointer, {
      ...(p.missing ? { position: report.valueAt(p.pointer.slice(0, p.pointer.lastIndexOf('/'))) } : {}),
      ...(hint ? { hint } : {}),
    });
  }
  const strict = { strict: options.strict === true };
  checkFields(value, file, report, strict);
  checkStepShapes(value as Record<string, unknown>, report);
  const rawSteps = (value as { steps?: unknown }).steps;
  if (Array.isArray(rawSteps) && rawSteps.length === 0) {
    report.add('E_MISSION_EMPTY', 'the mission has no steps', '/steps', { hint: 'add at least one step' });
  } else if (Array.isArray(rawSteps)) {
    checkGraph(graphInput(rawSteps), report);
  }
  const rawFinally = (value as { finally?: unknown }).finally;
  const cleanupReport = finallyReporter(report);
  if (Array.isArray(rawFinally) && rawFinally.length > 0) {
    const main = Array.isArray(rawSteps) ? graphInput(rawSteps) : [];
    const mainIds = new Set(main.map((s) => s.id));
    checkFields({ steps: rawFinally }, file, cleanupReport, strict);
    checkStepShapes({ steps: rawFinally }, cleanupReport);
    checkFinallyIds(main, rawFinally as Array<{ id: unknown }>, report);
    checkFinallyDeps(mainIds, rawFinally as Array<{ depends_on?: unknown }>, report);
    // Dependencies on main steps are reported above, not again as unknown ids.
    checkGraph(graphInput(rawFinally).map((s) => ({ ...s, dependsOn: s.dependsOn.filter((d) => !mainIds.has(d)) })), cleanupReport);
  }
  if (schemaProblems.length > 0 || report.diagnostics.some((d) => d.severity === 'error' && d.code === 'E_SCHEMA_TYPE')) {
    return stop(report.diagnostics, null);
  }

  const source = { file, sha256: createHash('sha256').update(bytes).digest('hex') };
  const mission = normaliseMission(value as MissionFile, source, tree.index);
  return { mission, value: value as MissionFile, tree, report, cleanupReport, strict };
}

/** The registry's checks (step types, parameters, templates) of a parsed mission. */
function checkParsed(parsed: Parsed, options: ValidateOptions): ValidationResult {
  const { mission, value, tree, report, cleanupReport, strict } = parsed;
  const file = mission.source.file;
  const steps = value.steps;
  if (options.registry) {
    checkStepTypes(
      typedSteps(steps, mission.steps),
      options.registry,
      file,
      report,
      { ...strict, vars: mission.vars },
    );
  }
  checkTemplates(mission.steps, mission.vars, options.registry ?? null, tree.index, report);
  const cleanup = mission.finally;
  if (cleanup !== undefined) {
    const files = value.finally ?? [];
    if (options.registry) {
      checkStepTypes(
        typedSteps(files, cleanup),
        options.registry,
        file,
        cleanupReport,
        { ...strict, vars: mission.vars },
      );
    }
    // Finally steps may read any main step's outputs: every main step counts as upstream of
    // them (listed after them, with no parameters, so only finally steps are checked here).
    const mainIds = mission.steps.map((s) => s.id);
    const scope = [
      ...cleanup.map((s) => ({ ...s, dependsOn: [...s.dependsOn, ...mainIds] })),
      ...mission.steps.map((s) => ({ ...s, parameters: {} })),
    ];
    checkTemplates(scope, mission.vars, options.registry ?? null, tree.index, cleanupReport);
  }
  return finishWith(report.diagnostics, mission);
}

/**
 * The step-type check's view of each step, one object refilled per index (StepViews): a
 * 100,000-step mission's views were all alive at once (and outlived the young generation) when
 * built up front, and a generator still made two objects per step.
 */
function typedSteps(files: readonly MissionStepFile[], steps: readonly MissionStep[]): StepViews {
  const view: TypedStep = { index: 0, type: '', typeInObject: false, parameters: {}, hasParameters: false };
  return {
    length: files.length,
    at(index) {
      const s = files[index]!;
      view.index = index;
      view.type = steps[index]!.type;
      view.typeInObject = typeof s.step_type !== 'string';
      view.parameters = steps[index]!.parameters;
      view.hasParameters = s.parameters !== undefined && s.parameters !== null;
      return view;
    },
  };
}

const NO_DEPENDENCIES: readonly string[] = Object.freeze([]);

/** The graph view of whatever steps have a usable id, tolerant of schema errors elsewhere. */
function graphInput(steps: readonly unknown[]): Array<{ id: string; dependsOn: readonly string[]; index: number }> {
  const out: Array<{ id: string; dependsOn: readonly string[]; index: number }> = [];
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index];
    if (typeof step !== 'object' || step === null) continue;
    const s = step as Record<string, unknown>;
    if (typeof s.id !== 'string') continue;
    // The file's own list when it holds only strings (nearly always): no copy per step.
    const raw = s.depends_on;
    const deps = !Array.isArray(raw) || raw.length === 0 ? NO_DEPENDENCIES : raw.every((d) => typeof d === 'string') ? (raw as string[]) : raw.filter((d): d is string => typeof d === 'string');
    out.push({ id: s.id, dependsOn: deps, index });
  }
  return out;
}

/** A fix for the schema problems people actually make. */
function schemaHint(pointer: string, code: string): string | null {
  if (code === 'E_SCHEMA_TYPE' && /^\/steps\/\d+\/(id|depends_on\/\d+)$/.test(pointer)) return 'quote it: ids are strings';
  if (code === 'E_SCHEMA_REQUIRED' && /\/step_type$/.test(pointer)) return 'every step needs a step_type, e.g. `step_type: noop`';
  if (code === 'E_SCHEMA_REQUIRED' && pointer === '/steps') return 'a mission lists its work under `steps:`';
  if (code === 'E_SCHEMA_TYPE' && /^\/(steps|finally)\/\d+\/depends_on$/.test(pointer)) return 'write a list of step ids, e.g. `depends_on: [build]`';
  if (code === 'E_SCHEMA_TYPE' && /^\/(steps|finally)$/.test(pointer)) return 'write a list of steps, each starting with `- id: ...`';
  if (code === 'E_SCHEMA_TYPE' && /\/timeout_seconds$/.test(pointer)) return 'a whole number of seconds, e.g. `timeout_seconds: 30`; 0 means no timeout';
  return null;
}

/** Shape rules typebox cannot express: a parameters mapping, and ids free of invisible characters. */
function checkStepShapes(value: Record<string, unknown>, report: Reporter): void {
  const steps = value.steps;
  if (!Array.isArray(steps)) return;
  steps.forEach((step: unknown, i) => {
    if (typeof step !== 'object' || step === null) return;
    const s = step as Record<string, unknown>;
    const params = s.parameters;
    if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
      report.add('E_SCHEMA_TYPE', '`parameters` must be a mapping', `/steps/${i}/parameters`);
    }
    // Pointers are built only for a bad id: most of a large mission's ids are fine.
    reportControlChar(s.id, i, -1, report);
    const deps = s.depends_on;
    if (Array.isArray(deps)) for (let k = 0; k < deps.length; k++) reportControlChar(deps[k], i, k, report);
  });
}

/** E_INPUT_CONTROL_CHAR for an id (`k` < 0) or a depends_on entry `k` of step `i` holding an invisible or control character. */
function reportControlChar(id: unknown, i: number, k: number, report: Reporter): void {
  if (typeof id !== 'string') return;
  const bad = suspiciousCharacter(id);
  if (!bad) return;
  report.add('E_INPUT_CONTROL_CHAR', `the id ${JSON.stringify(id)} contains the invisible or control character ${bad.codePoint}`, k < 0 ? `/steps/${i}/id` : `/steps/${i}/depends_on/${k}`, {
    hint: 'ids may only use visible characters; retype it',
  });
}
