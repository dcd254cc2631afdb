import { MissionConfigSchema, MissionSchema, MissionStepSchema, RetryPolicySchema } from '../model/mission.ts';
import { escapePointerToken } from '../template/scan.ts';
import type { Reporter } from './locate.ts';
import { didYouMean } from './suggest.ts';

/**
 * Unknown and legacy keys. The original RustChain ignored every unknown key, so corpus files
 * carry plenty (`description`, `tags`, `outputs`, `parallel`...): those are warnings. A few
 * ignored keys clearly meant something our format has, and dropping them would change what
 * runs (`dependencies` would reorder steps): those are errors that `migrate` fixes.
 */

/** Legacy step keys → the field they meant. */
export const LEGACY_STEP_FIELDS: Readonly<Record<string, string>> = {
  dependencies: 'depends_on',
  timeout: 'timeout_seconds',
  config: 'parameters',
  retry_count: 'retry',
};

/** Legacy config keys → the field they meant. */
export const LEGACY_CONFIG_FIELDS: Readonly<Record<string, string>> = { max_parallel: 'max_parallel_steps' };

const MISSION_KEYS = Object.keys(MissionSchema.properties);
const STEP_KEYS = Object.keys(MissionStepSchema.properties);
const CONFIG_KEYS = Object.keys(MissionConfigSchema.properties);
const RETRY_KEYS = Object.keys(RetryPolicySchema.properties);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reports unknown and legacy (error) keys of the mission, its steps, config and retry. An
 * unknown key that is a typo of a known one (`depens_on`) is an error: ignoring it would
 * silently change what runs (the dependency disappears). Any other unknown key is a warning
 * (the original ignored them and corpus missions carry them), an error with `strict`.
 */
export function checkFields(value: unknown, file: string, report: Reporter, options: { strict?: boolean } = {}): void {
  if (!isRecord(value)) return;
  const migrateHint = `\`rustchain mission migrate ${file}\` rewrites it`;
  // A step's pointer (`/steps/<index><suffix>`) is made only when the step has a problem: a
  // string per step, and an iterator per key, were most of what this check allocated.
  const visit = (obj: Record<string, unknown>, base: string, index: number, suffix: string, known: readonly string[], legacy: Readonly<Record<string, string>>, closed: boolean) => {
    const keys = Object.keys(obj);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (known.includes(key)) continue;
      const at = `${index < 0 ? base : `${base}/${index}${suffix}`}/${escapePointerToken(key)}`;
      const meant = legacy[key];
      if (meant !== undefined && !(meant in obj)) {
        report.add('E_SCHEMA_LEGACY_FIELD', `\`${key}\` is a legacy RustChain field that the original silently ignored`, at, {
          on: 'key',
          hint: `did you mean \`${meant}\`? (${migrateHint})`,
        });
        continue;
      }
      const typo = didYouMean(key, known);
      const guess = typo ?? (key === 'on_failure' && 'continue_on_error' in obj === false ? 'continue_on_error' : null);
      const error = closed || typo !== null || options.strict === true;
      report.add('E_SCHEMA_UNKNOWN_FIELD', `unknown field \`${key}\`${error ? '' : ' is ignored'}`, at, {
        on: 'key',
        severity: error ? 'error' : 'warning',
        ...(guess ? { hint: `did you mean \`${guess}\`?` } : meant ? { hint: `\`${meant}\` is already set; remove \`${key}\`` } : {}),
      });
    }
  };
  visit(value, '', -1, '', MISSION_KEYS, {}, false);
  if (isRecord(value.config)) visit(value.config, '/config', -1, '', CONFIG_KEYS, LEGACY_CONFIG_FIELDS, false);
  if (!Array.isArray(value.steps)) return;
  const steps: unknown[] = value.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (!isRecord(step)) continue;
    visit(step, '/steps', i, '', STEP_KEYS, LEGACY_STEP_FIELDS, false);
    // `retry` is ours, not the original's: its schema is closed, so a typo there is an error.
    if (isRecord(step.retry)) visit(step.retry, '/steps', i, '/retry', RETRY_KEYS, {}, true);
  }
}
