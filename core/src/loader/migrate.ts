import type { Pair, Scalar, YAMLMap } from 'yaml';
import { yaml } from './yaml-lib.ts';
import { DiagnosticsError, type Diagnostic } from '../errors.ts';
import { LEGACY_CONFIG_FIELDS, LEGACY_STEP_FIELDS } from './fields.ts';
import { isPascalCase, isRustchainStepType, LEGACY_STEP_TYPE_ALIASES, toSnakeCase } from './step-types.ts';

/** The rewritten text and what changed, at positions in the original text. */
export interface MigrationResult {
  text: string;
  changes: Array<{ line: number; column: number; description: string }>;
}

interface Edit {
  from: number;
  to: number;
  text: string;
  description: string;
}

/**
 * Rewrites legacy RustChain forms, keeping comments/formatting (yaml Document API; JSON in,
 * JSON out). The Document API finds the nodes; the rewrite itself splices the source text at
 * their ranges, because `doc.toString()` would re-indent, re-quote and re-wrap the whole
 * file, and turn JSON into YAML. Rewrites: step `dependencies`/`timeout`/`config`/
 * `retry_count`/`on_failure`, PascalCase step types, config `max_parallel`. A legacy key is
 * left alone when its modern counterpart is already there (renaming would duplicate it).
 */
export function migrateMissionText(text: string, file: string): MigrationResult {
  const lineCounter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter, uniqueKeys: false, version: '1.2' });
  if (doc.errors.length > 0) {
    const diagnostics: Diagnostic[] = doc.errors.map((e) => ({
      code: 'E_YAML_PARSE',
      severity: 'error',
      message: e.message.split('\n')[0] ?? e.message,
      file,
      line: e.linePos?.[0].line ?? 1,
      column: e.linePos?.[0].col ?? 1,
    }));
    throw new DiagnosticsError(diagnostics);
  }
  const json = file.endsWith('.json');
  const edits: Edit[] = [];
  const root = doc.contents;
  if (yaml().isMap(root)) {
    const config = root.get('config', true);
    if (yaml().isMap(config)) renameLegacyKeys(config, LEGACY_CONFIG_FIELDS, edits);
    const steps = root.get('steps', true);
    if (yaml().isSeq(steps)) {
      for (const step of steps.items) {
        if (!yaml().isMap(step)) continue;
        migrateStep(step, json, edits);
      }
    }
  }
  edits.sort((a, b) => b.from - a.from);
  let out = text;
  for (const edit of edits) out = out.slice(0, edit.from) + edit.text + out.slice(edit.to);
  const changes = edits
    .reverse()
    .map((e) => {
      const p = lineCounter.linePos(e.from);
      return { line: p.line, column: p.col, description: e.description };
    });
  return { text: out, changes };
}

function migrateStep(step: YAMLMap, json: boolean, edits: Edit[]): void {
  const { retry_count: _retry, ...renames } = LEGACY_STEP_FIELDS;
  renameLegacyKeys(step, renames, edits);
  const retryCount = pairOf(step, 'retry_count');
  if (retryCount && !step.has('retry') && yaml().isScalar(retryCount.value) && Number.isInteger(retryCount.value.value)) {
    const count = retryCount.value.value as number;
    if (count >= 0) {
      const key = retryCount.key as Scalar;
      const attempts = count + 1;
      const value = json ? `{"attempts": ${attempts}}` : `{ attempts: ${attempts} }`;
      edits.push(spanEdit(key, retryCount.value, `${quoteLike(key, 'retry')}: ${value}`, `retry_count: ${count} → retry: { attempts: ${attempts} }`));
    }
  }
  const onFailure = pairOf(step, 'on_failure');
  if (onFailure && !step.has('continue_on_error') && yaml().isScalar(onFailure.value)) {
    const mode = String(onFailure.value.value);
    if (mode === 'continue' || mode === 'abort') {
      const key = onFailure.key as Scalar;
      const flag = mode === 'continue';
      edits.push(spanEdit(key, onFailure.value, `${quoteLike(key, 'continue_on_error')}: ${flag}`, `on_failure: ${mode} → continue_on_error: ${flag}`));
    }
  }
  const stepType = step.get('step_type', true);
  const typeNode = yaml().isMap(stepType) ? stepType.get('type', true) : stepType;
  if (yaml().isScalar(typeNode) && typeof typeNode.value === 'string') {
    const raw = typeNode.value;
    const snake = LEGACY_STEP_TYPE_ALIASES[raw] ?? toSnakeCase(raw);
    if (snake !== raw && isPascalCase(raw) && isRustchainStepType(snake)) {
      const [from, to] = typeNode.range ?? [0, 0];
      edits.push({ from, to, text: quoteLike(typeNode, snake), description: `step_type ${raw} → ${snake}` });
    }
  }
}

/** Renames each legacy key whose modern name is not already present. */
function renameLegacyKeys(map: YAMLMap, renames: Readonly<Record<string, string>>, edits: Edit[]): void {
  for (const [legacy, modern] of Object.entries(renames)) {
    const pair = pairOf(map, legacy);
    if (!pair || map.has(modern) || !yaml().isScalar(pair.key)) continue;
    const [from, to] = pair.key.range ?? [0, 0];
    edits.push({ from, to, text: quoteLike(pair.key, modern), description: `${legacy} → ${modern}` });
  }
}

function pairOf(map: YAMLMap, key: string): Pair<Scalar, unknown> | undefined {
  return map.items.find((p) => yaml().isScalar(p.key) && p.key.value === key) as Pair<Scalar, unknown> | undefined;
}

function spanEdit(key: Scalar, value: Scalar, text: string, description: string): Edit {
  return { from: key.range?.[0] ?? 0, to: value.range?.[1] ?? 0, text, description };
}

/** `text` written with the same quoting style as `like`. */
function quoteLike(like: Scalar, text: string): string {
  if (like.type === yaml().Scalar.QUOTE_DOUBLE) return JSON.stringify(text);
  if (like.type === yaml().Scalar.QUOTE_SINGLE) return `'${text}'`;
  return text;
}
