import type { StepTypeLookup } from '../plugin/sdk.ts';
import { containsTemplate, escapePointerToken } from '../template/scan.ts';
import type { Reporter } from './locate.ts';
import { checkStepParams } from '../plugin/params-check.ts';
import { literalSecretParams } from '../secrets/params.ts';
import { resolveStaticVars } from './static-vars.ts';
import { didYouMean } from './suggest.ts';
import { emptyParamsPass, isEmptyPlainObject } from './empty-params.ts';
import { isPascalCase, isRustchainStepType, pluginPackageFor, RUSTCHAIN_STEP_TYPES, toSnakeCase } from './step-types.ts';

/** A step as the step-type check sees it. */
export interface TypedStep {
  index: number;
  /** Normalised type (`Tool` already mapped to `tool`). */
  type: string;
  /** True when the file writes the type as `step_type: { type: ... }` (its pointer ends in `/type`). */
  typeInObject: boolean;
  parameters: Record<string, unknown>;
  /** False when the file has no `parameters` key (missing-field errors go on the step). */
  hasParameters: boolean;
}

/**
 * The steps to check, by index: `at(i)` may return the same object refilled for every index
 * (the check reads each step before it asks for the next and keeps none), so a large mission
 * costs no object per step.
 */
export interface StepViews {
  readonly length: number;
  at(i: number): TypedStep;
}

/**
 * Step types against the installed plugins, and parameters against each plugin's schema.
 * Three outcomes for a type the registry lacks: a PascalCase spelling of a real type (the
 * original rejected those too; `migrate` fixes them), a RustChain type whose plugin is not
 * installed (say which package), or an unknown name (did-you-mean).
 */
export function checkStepTypes(
  steps: StepViews,
  registry: StepTypeLookup,
  file: string,
  report: Reporter,
  options: { strict?: boolean; vars?: Readonly<Record<string, string | number | boolean>> } = {},
): void {
  const installed = registry.types();
  for (let i = 0; i < steps.length; i++) {
    const step = steps.at(i);
    const plugin = registry.get(step.type);
    if (!plugin) {
      reportMissingType(step, installed, file, report);
      continue;
    }
    // Empty parameters (most steps of a large mission) have nothing undeclared or literal to
    // report: when `{}` passes the type's schema, such a step needs no check of its own.
    if (isEmptyPlainObject(step.parameters) && emptyParamsPass(plugin.definition.params)) continue;
    const base = `/steps/${step.index}/parameters`;
    // Templates reading only `vars` are resolved first: their values are known now.
    const params = options.vars === undefined ? step.parameters : (resolveStaticVars(step.parameters, options.vars) as Record<string, unknown>);
    // The same check the executor runs (checkStepParams), so validate and execute agree.
    for (const problem of checkStepParams(plugin.definition.params, params)) {
      const relative = problem.pointer;
      const unknown = problem.code === 'E_SCHEMA_UNKNOWN_FIELD';
      // A templated value is only known at run time; the executor checks it after resolution.
      // An unknown key stays unknown whatever its value resolves to.
      if (!unknown && (containsTemplate(valueAt(params, relative)) || (problem.missing && containsTemplate(params)))) continue;
      const pointer = base + relative;
      const where = problem.missing ? (step.hasParameters ? pointer.slice(0, pointer.lastIndexOf('/')) : `/steps/${step.index}`) : pointer;
      const raw = valueAt(step.parameters, relative);
      const fromVars = typeof raw === 'string' && containsTemplate(raw) ? `\`${raw}\` is ${JSON.stringify(valueAt(params, relative))} and a var holds one value: ` : '';
      const guess = unknown ? didYouMean(relative.slice(relative.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~'), new Set(declaredParams(plugin.definition.params, relative))) : undefined;
      report.add('E_PARAMS_INVALID', `${step.type}: ${problem.message}`, pointer, {
        position: unknown ? report.keyAt(pointer) : report.valueAt(where),
        // The package that really provides the type (a third-party one too), not a guessed name.
        hint: guess ? `did you mean \`${guess}\`?` : fromVars + (listHint(problem.message, valueAt(params, relative), relative) ?? `see the parameters of \`${step.type}\` in ${plugin.packageName ?? 'its plugin'}'s README`),
      });
    }
    reportUndeclaredParams(step, plugin.definition.params, plugin.packageName, report, options.strict === true);
    for (const relative of literalSecretParams(plugin.definition.params, step.parameters)) {
      report.add('E_SECRET_LITERAL', `${step.type}: a secret parameter is written literally in the mission, so it is not treated as a secret`, base + relative, {
        severity: 'warning',
        hint: 'read it from a secret environment variable: `${{ env.MY_TOKEN }}` with policy.env.allow (and env.secrets)',
      });
    }
  }
}

/**
 * Step fields that change how a step runs: one found among the parameters (indented a level
 * too deep) would silently not apply. (`id`, `name`, `description` are ordinary parameter
 * names for many step types.)
 */
const STEP_FIELDS: ReadonlySet<string> = new Set(['step_type', 'depends_on', 'timeout_seconds', 'continue_on_error', 'retry']);

/**
 * Parameter keys an open params schema (`additionalProperties` not false) does not declare:
 * the plugin accepts and ignores them, so a misspelt `methd` would silently be dropped. A
 * warning with the declared name it is closest to (an error with `strict`). Closed schemas
 * are covered by checkStepParams (E_SCHEMA_UNKNOWN_FIELD, an error).
 */
function reportUndeclaredParams(step: TypedStep, schema: unknown, packageName: string | undefined, report: Reporter, strict: boolean): void {
  const s = schema as { properties?: Record<string, unknown>; additionalProperties?: unknown; patternProperties?: unknown };
  if (s.additionalProperties === false || s.patternProperties !== undefined || s.properties === undefined) return;
  const declared = Object.keys(s.properties);
  for (const key of Object.keys(step.parameters)) {
    if (Object.prototype.hasOwnProperty.call(s.properties, key)) continue;
    if (STEP_FIELDS.has(key)) {
      // `depends_on` indented one level too deep: the step would silently lose it.
      report.add('E_SCHEMA_UNKNOWN_FIELD', `${step.type}: \`${key}\` is a step field, not a parameter`, `/steps/${step.index}/parameters/${escapePointerToken(key)}`, {
        on: 'key',
        hint: `move \`${key}\` out of \`parameters\`, level with \`step_type\``,
      });
      continue;
    }
    // A schema declaring nothing (noop) takes any parameters: nothing to compare with.
    if (declared.length === 0) continue;
    const guess = didYouMean(key, declared);
    const pointer = `/steps/${step.index}/parameters/${escapePointerToken(key)}`;
    report.add('E_SCHEMA_UNKNOWN_FIELD', `${step.type}: unknown parameter \`${key}\`${strict ? '' : ' is ignored'}`, pointer, {
      on: 'key',
      severity: strict ? 'error' : 'warning',
      hint: guess ? `did you mean \`${guess}\`?` : `declared parameters of \`${step.type}\`: ${declared.join(', ')}; see ${packageName ?? 'its plugin'}'s README`,
    });
  }
}

/** Pointer of the step's type string (made only for a report). */
function typePointer(step: TypedStep): string {
  return `/steps/${step.index}/step_type${step.typeInObject ? '/type' : ''}`;
}

function reportMissingType(step: TypedStep, installed: readonly string[], file: string, report: Reporter): void {
  const snake = toSnakeCase(step.type);
  if (isPascalCase(step.type) && (installed.includes(snake) || isRustchainStepType(snake))) {
    report.add('E_STEP_TYPE_UNKNOWN', `unknown step type \`${step.type}\`: step types are snake_case`, typePointer(step), {
      hint: `did you mean \`${snake}\`? (\`rustchain mission migrate ${file}\` rewrites it)`,
    });
    return;
  }
  if (isRustchainStepType(step.type)) {
    const pkg = pluginPackageFor(step.type);
    report.add('E_PLUGIN_NOT_INSTALLED', `step type \`${step.type}\` is provided by ${pkg}, which is not installed`, typePointer(step), {
      hint: `npm install ${pkg} and add '${pkg}' to plugins in rustchain.config.ts`,
    });
    return;
  }
  const guess = didYouMean(step.type, new Set([...installed, ...RUSTCHAIN_STEP_TYPES]));
  report.add('E_STEP_TYPE_UNKNOWN', `unknown step type \`${step.type}\``, typePointer(step), {
    hint: guess ? `did you mean \`${guess}\`?` : `installed step types: ${installed.join(', ') || '(none)'}`,
  });
}

/** A string where a list is expected (`args: "-l x"`): the list it was probably meant to be. */
function listHint(message: string, value: unknown, pointer: string): string | null {
  if (typeof value !== 'string' || !message.startsWith('expected a list')) return null;
  const words = value.trim().split(/\s+/).filter((w) => w !== '');
  const key = pointer.slice(pointer.lastIndexOf('/') + 1);
  return `write a list, one element per item: \`${key}: [${words.map((w) => JSON.stringify(w)).join(', ')}]\``;
}

/** The value at a JSON pointer inside `root` (undefined when absent). */
function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, token)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

/** Property names the params schema declares at the parent of `pointer` (through nested objects, and the object branch of a union). */
function declaredParams(schema: unknown, pointer: string): string[] {
  let node = schema as { properties?: Record<string, unknown>; anyOf?: unknown[] } | undefined;
  const tokens = pointer.split('/').slice(1, -1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const token of [...tokens, null]) {
    const object = node?.properties !== undefined ? node : (node?.anyOf?.find((branch) => (branch as { properties?: unknown }).properties !== undefined) as typeof node);
    if (object?.properties === undefined) return [];
    if (token === null) return Object.keys(object.properties);
    node = object.properties[token] as typeof node;
  }
  return [];
}
