import { RustchainError } from '../errors.ts';
import { splitTemplate, type TemplateRef } from './grammar.ts';
import { recordTemplatedOptions } from './options.ts';

/** What templates may read while a step's parameters are resolved. */
export interface TemplateScope {
  /** Outputs of finished steps, by step id. */
  steps: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  vars: Readonly<Record<string, string | number | boolean>>;
  /** Policy-filtered environment; may throw E_POLICY_ENV_DENIED. */
  env(name: string): string | undefined;
}

/**
 * Returns a copy of `value` with every `${{ }}` replaced. A string that is exactly one template
 * keeps the referenced value's type; templates inside text are interpolated (strings as-is,
 * other values as JSON). Resolved values are data: they are never scanned again, so an output
 * containing `${{ secrets.X }}` stays literal text. The input is not modified.
 * Throws E_TEMPLATE_UNKNOWN_STEP / _UNKNOWN_OUTPUT / _UNKNOWN_VAR (an unset env variable is
 * E_TEMPLATE_UNKNOWN_VAR too: an empty string silently spliced into a path is worse than a
 * failure) and E_TEMPLATE_SYNTAX for a malformed expression; all non-retryable.
 */
export function resolveTemplates(value: unknown, scope: TemplateScope): unknown {
  const resolved = resolveValue(value, scope);
  recordTemplatedOptions(value, resolved);
  return resolved;
}

function resolveValue(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') return value.includes('${{') ? resolveString(value, scope) : value;
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, scope));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const resolved = resolveValue((value as Record<string, unknown>)[key], scope);
      // Plain assignment of `__proto__` would set the prototype; define it as data instead.
      if (key === '__proto__') Object.defineProperty(out, key, { value: resolved, enumerable: true, writable: true, configurable: true });
      else out[key] = resolved;
    }
    return out;
  }
  return value;
}

function resolveString(text: string, scope: TemplateScope): unknown {
  const segments = splitTemplate(text);
  const only = segments[0];
  if (segments.length === 1 && only?.type === 'ref') return lookup(only.ref, scope);
  let out = '';
  for (const seg of segments) {
    if (seg.type === 'text') out += seg.text;
    else if (seg.type === 'ref') out += stringify(lookup(seg.ref, scope));
    else {
      throw new RustchainError('E_TEMPLATE_SYNTAX', seg.message, {
        details: { expression: seg.expression, offset: seg.offset },
        nonRetryable: true,
      });
    }
  }
  return out;
}

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/** Reads one reference with own-property checks, so `__proto__`/`constructor` never resolve to prototypes. */
function lookup(ref: TemplateRef, scope: TemplateScope): unknown {
  switch (ref.kind) {
    case 'steps': {
      if (!Object.hasOwn(scope.steps, ref.stepId)) {
        throw new RustchainError('E_TEMPLATE_UNKNOWN_STEP', `no outputs of step "${ref.stepId}" are available`, {
          details: { stepId: ref.stepId },
          nonRetryable: true,
        });
      }
      const outputs = scope.steps[ref.stepId]!;
      if (!Object.hasOwn(outputs, ref.output)) {
        throw new RustchainError('E_TEMPLATE_UNKNOWN_OUTPUT', `step "${ref.stepId}" has no output "${ref.output}"`, {
          details: { stepId: ref.stepId, output: ref.output },
          nonRetryable: true,
        });
      }
      return outputs[ref.output];
    }
    case 'vars': {
      if (!Object.hasOwn(scope.vars, ref.name)) {
        throw new RustchainError('E_TEMPLATE_UNKNOWN_VAR', `variable "${ref.name}" is not defined`, {
          details: { name: ref.name },
          nonRetryable: true,
        });
      }
      return scope.vars[ref.name];
    }
    case 'env': {
      const value = scope.env(ref.name);
      if (value === undefined) {
        throw new RustchainError('E_TEMPLATE_UNKNOWN_VAR', `environment variable "${ref.name}" is not set`, {
          details: { env: ref.name },
          nonRetryable: true,
        });
      }
      return value;
    }
  }
}
