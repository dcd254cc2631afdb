import { DEFAULTS, type Diagnostic, type Mission, type MissionStep, type Schedule, type TemplateRef } from '@rustchain/core';
import { printIdList, printValue, type ReferenceSink } from './literal.ts';
import { BindingNames, camelCase, memberAccess, propertyKey, quote } from './names.ts';
import type { CompilerPluginLookup } from './types.ts';

/** What the emitter returns besides the code: how to map generated bindings back to steps. */
export interface EmittedModule {
  code: string;
  /** Key of each step's entry in the module's `parameters` object (the step id) → index in `mission.steps`. */
  stepKeys: Map<string, number>;
  diagnostics: Diagnostic[];
}

/** Inputs of `emitModule` that are not the mission itself. */
export interface EmitInput {
  registry: CompilerPluginLookup;
  schedule: Schedule;
  /** Source path relative to the output module (POSIX separators). */
  sourcePath: string;
  compilerVersion: string;
}

/**
 * Prints the compiled module. Pure string building with a fixed layout (2-space indent,
 * single quotes, trailing commas): identical inputs give identical bytes, and nothing in
 * the output depends on time, environment or object identity.
 */
export function emitModule(mission: Mission, input: EmitInput): EmittedModule {
  const diagnostics: Diagnostic[] = [];
  const names = new BindingNames();
  const pluginTypes = [...new Set(mission.steps.map((s) => s.type))].sort();
  const pluginBinding = new Map<string, string>();
  const imports: string[] = [];
  const manifestPlugins: string[] = [];
  for (const type of pluginTypes) {
    const loaded = input.registry.get(type);
    if (!loaded) {
      const index = mission.steps.findIndex((s) => s.type === type);
      diagnostics.push(stepDiagnostic(mission, index, 'E_STEP_TYPE_UNKNOWN', `no installed plugin implements step type '${type}'`));
      continue;
    }
    const binding = names.take(camelCase(type));
    pluginBinding.set(type, binding);
    imports.push(`import ${binding} from ${quote(loaded.packageName)};\n`);
    const integrity = loaded.integrity === null ? 'null' : quote(loaded.integrity);
    manifestPlugins.push(
      `    ${propertyKey(type)}: { package: ${quote(loaded.packageName)}, version: ${quote(loaded.version)}, integrity: ${integrity} },\n`,
    );
  }

  const refs = collectingSink();
  const stepKeys = new Map<string, number>();
  const paramEntries: string[] = [];
  const stepEntries: string[] = [];
  mission.steps.forEach((step, index) => {
    const plugin = pluginBinding.get(step.type);
    if (plugin === undefined) return;
    stepKeys.set(step.id, index);
    // A schema that admits extra keys (additionalProperties not false) gets an index signature
    // for exactly the steps that use some, so TypeScript's excess-property check agrees with it.
    const open = usesExtraKeys(step.parameters, input.registry.get(step.type)?.definition.params);
    paramEntries.push(
      `  ${stepKey(step.id)}: ${printValue(step.parameters, 1, refs)} satisfies ${paramsTypeName(plugin)}${open ? ' & { readonly [extra: string]: unknown }' : ''},\n`,
    );
    stepEntries.push(printStepEntry(step));
  });

  const code = [
    header(mission, input),
    "import { defineCompiledMission, type CompiledManifest, type CompiledSchedule, type OutputsOf, type ParamsOf } from '@rustchain/core';\n",
    ...imports,
    '\n/** Where this module came from; `rustchain run` refuses it when this no longer matches. */\n',
    'export const manifest = {\n',
    "  format: 'rustchain.compiled/v1',\n",
    `  compiler: ${quote(input.compilerVersion)},\n`,
    `  mission: { name: ${quote(mission.name)}, version: ${quote(mission.version)}, description: ${mission.description === null ? 'null' : quote(mission.description)} },\n`,
    `  source: { file: ${quote(input.sourcePath)}, sha256: ${quote(mission.source.sha256)} },\n`,
    manifestPlugins.length === 0 ? '  plugins: {},\n' : `  plugins: {\n${manifestPlugins.join('')}  },\n`,
    '} as const satisfies CompiledManifest;\n',
    printSchedule(mission, input.schedule),
    printVars(mission),
    printCtx(mission, refs.list(), pluginBinding),
    printParamsTypes(pluginBinding),
    printParameters(paramEntries),
    '\nexport default defineCompiledMission({\n',
    '  manifest,\n',
    '  schedule,\n',
    pluginBinding.size === 0
      ? '  plugins: {},\n'
      : `  plugins: { ${[...pluginBinding].map(([type, b]) => `${propertyKey(type)}: ${b}`).join(', ')} },\n`,
    `  config: { failFast: ${mission.config.failFast}, timeoutSeconds: ${mission.config.timeoutSeconds}, maxParallelSteps: ${mission.config.maxParallelSteps ?? 'null'}${mission.config.llmBudget === undefined ? '' : `, llmBudget: ${JSON.stringify(mission.config.llmBudget)}`} },\n`,
    '  vars,\n',
    stepEntries.length === 0
      ? '  steps: [],\n'
      : `  // Parameters were checked above (satisfies); \`as unknown\` keeps this array cheap to type-check.\n  steps: [\n${stepEntries.join('')}  ],\n`,
    '});\n',
  ].join('');
  return { code, stepKeys, diagnostics };
}

function usesExtraKeys(parameters: Record<string, unknown>, schema: unknown): boolean {
  const { additionalProperties, properties } = (schema ?? {}) as { additionalProperties?: unknown; properties?: Record<string, unknown> };
  if (additionalProperties === false || properties === undefined) return false;
  return Object.keys(parameters).some((key) => !Object.hasOwn(properties, key));
}

function header(mission: Mission, input: EmitInput): string {
  return [
    `// Generated by @rustchain/compiler ${input.compilerVersion} from a RustChain mission. Do not edit: recompile.\n`,
    `// Source: ${oneLine(input.sourcePath)}\n`,
    `// Source SHA-256: ${mission.source.sha256}\n`,
  ].join('');
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, ' ');
}

/**
 * One type alias per plugin, declared once: every step of that plugin is checked against the
 * same alias instead of spelling the generic `ParamsOf<typeof plugin, Ctx>` again, which
 * measured ~1 ms per step more in the type-check.
 */
function printParamsTypes(pluginBinding: Map<string, string>): string {
  if (pluginBinding.size === 0) return '';
  const lines = [...pluginBinding.values()].map((b) => `type ${paramsTypeName(b)} = ParamsOf<typeof ${b}, Ctx>;\n`);
  return `\n/** Each plugin's parameters as this module writes them: literals, or accessors over \`Ctx\`. */\n${lines.join('')}`;
}

/** \`readFile\` → \`ReadFileParams\` (plugin bindings are unique identifiers, so these are too). */
function paramsTypeName(binding: string): string {
  return `${binding.charAt(0).toUpperCase()}${binding.slice(1)}Params`;
}

/**
 * All steps' parameters as properties of one object rather than one const per step: the
 * steps array reads them at the end of the module, and TypeScript's control-flow walk from
 * each read of a const back to its declaration crossed every later declaration (quadratic:
 * ~2 s of a 5,000-step check). A property read stops at the single `parameters` declaration.
 */
function printParameters(entries: readonly string[]): string {
  if (entries.length === 0) return '';
  return `\n/** Each step's parameters, checked against its plugin's parameter type. */\nconst parameters = {\n${entries.join('')}};\n`;
}

/** The step's key in \`parameters\`; \`__proto__\` computed, so it stays an own property. */
function stepKey(id: string): string {
  return id === '__proto__' ? `[${quote(id)}]` : propertyKey(id);
}

function printStepEntry(step: MissionStep): string {
  const fields = [`id: ${quote(step.id)}`, `type: ${quote(step.type)}`];
  if (step.name !== step.id) fields.push(`name: ${quote(step.name)}`);
  fields.push(`timeoutSeconds: ${step.timeoutSeconds}`);
  if (step.continueOnError) fields.push('continueOnError: true');
  if (!sameRetry(step.retry)) {
    const r = step.retry;
    fields.push(
      `retry: { attempts: ${r.attempts}, delaySeconds: ${r.delaySeconds}, backoff: ${quote(r.backoff)}, factor: ${r.factor}, maxDelaySeconds: ${r.maxDelaySeconds}, jitter: ${r.jitter} }`,
    );
  }
  // `as unknown`: the entry was checked against its plugin already; widening here keeps the
  // array's element types few, where thousands of distinct ones cost quadratic type-checking.
  fields.push(`parameters: parameters${memberAccess(step.id)} as unknown`);
  return `    { ${fields.join(', ')} },\n`;
}

function sameRetry(r: MissionStep['retry']): boolean {
  const d = DEFAULTS.retry;
  return r.attempts === d.attempts && r.delaySeconds === d.delaySeconds && r.backoff === d.backoff &&
    r.factor === d.factor && r.maxDelaySeconds === d.maxDelaySeconds && r.jitter === d.jitter;
}

function printSchedule(mission: Mission, schedule: Schedule): string {
  const deps = mission.steps.map((s) => `    ${propertyKey(s.id)}: ${printIdList(s.dependsOn)},\n`).join('');
  const waves = schedule.waves.map((w) => `    ${printIdList(w)},\n`).join('');
  return [
    '\n/** The static plan: topological order, direct dependencies, parallel waves, critical path. */\n',
    'export const schedule = {\n',
    `  order: ${printIdList(schedule.order)},\n`,
    deps === '' ? '  dependencies: {},\n' : `  dependencies: {\n${deps}  },\n`,
    waves === '' ? '  waves: [],\n' : `  waves: [\n${waves}  ],\n`,
    `  criticalPath: ${printIdList(schedule.criticalPath)},\n`,
    `  criticalPathSeconds: ${schedule.criticalPathSeconds},\n`,
    // Not `as const`: literal tuple types for thousands of ids cost seconds of type-checking
    // and add nothing (CompiledSchedule is readonly already).
    '} satisfies CompiledSchedule;\n',
  ].join('');
}

function printVars(mission: Mission): string {
  const entries = Object.entries(mission.vars);
  const body = entries.length === 0 ? '{}' : `{\n${entries.map(([k, v]) => `  ${propertyKey(k)}: ${typeof v === 'string' ? quote(v) : String(v)},\n`).join('')}}`;
  return `\n/** Mission variables (\`\${{ vars.<name> }}\`). */\nconst vars = ${body};\n`;
}

/** The typed template context: only the steps, vars and env names some template reads. */
function printCtx(mission: Mission, refs: readonly TemplateRef[], pluginBinding: Map<string, string>): string {
  const stepTypes = new Map(mission.steps.map((s) => [s.id, s.type]));
  const steps = new Set<string>();
  const env = new Set<string>();
  for (const ref of refs) {
    if (ref.kind === 'steps') steps.add(ref.stepId);
    else if (ref.kind === 'env') env.add(ref.name);
  }
  // File order for steps, sorted env names: the same mission always prints the same type.
  const stepLines = mission.steps
    .filter((s) => steps.has(s.id) && pluginBinding.has(s.type))
    .map((s) => `    readonly ${propertyKey(s.id)}: { readonly outputs: OutputsOf<typeof ${pluginBinding.get(stepTypes.get(s.id)!)!}> };\n`)
    .join('');
  const envLines = [...env].sort().map((name) => `    readonly ${propertyKey(name)}: string;\n`).join('');
  return [
    '\n/** What template accessors read, typed by the producing plugins\' outputs schemas. */\n',
    'interface Ctx {\n',
    stepLines === '' ? '  readonly steps: {};\n' : `  readonly steps: {\n${stepLines}  };\n`,
    '  readonly vars: typeof vars;\n',
    envLines === '' ? '  readonly env: {};\n' : `  readonly env: {\n${envLines}  };\n`,
    '}\n',
  ].join('');
}

function collectingSink(): ReferenceSink & { list(): TemplateRef[] } {
  const seen: TemplateRef[] = [];
  return { add: (ref) => void seen.push(ref), list: () => seen };
}

/** A diagnostic at a step's `step_type` (or the step, or the file) in the mission source. */
function stepDiagnostic(mission: Mission, index: number, code: Diagnostic['code'], message: string): Diagnostic {
  const pos = locate(mission, `/steps/${index}/step_type`);
  return { code, severity: 'error', message, file: mission.source.file, line: pos.line, column: pos.column, pointer: pos.pointer };
}

/** The source position of `pointer`, or of its nearest ancestor the source map knows. */
export function locate(mission: Mission, pointer: string): { line: number; column: number; pointer: string } {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const hit = mission.sourceMap[p === '' ? '' : p] ?? (p === '' ? mission.sourceMap['/'] : undefined);
    if (hit) return { line: hit.line, column: hit.column, pointer: p };
    if (p === '') return { line: 1, column: 1, pointer: '' };
  }
}

