import type { Diagnostic, ErrorCode, Severity } from '../errors.ts';
import type { Position, SourceIndex } from './tree.ts';

/** Builds positioned diagnostics from JSON pointers. */
export interface Reporter {
  /** Position of the value at `pointer`, else of its nearest ancestor. */
  valueAt(pointer: string): Position;
  /** Position of the key holding `pointer`, else of the value. */
  keyAt(pointer: string): Position;
  /** Adds a diagnostic placed on the key or the value at `pointer`. */
  add(code: ErrorCode, message: string, pointer: string, options?: { on?: 'key' | 'value'; severity?: Severity; hint?: string; position?: Position }): void;
  readonly diagnostics: Diagnostic[];
}

/** A Reporter over one file's source index. */
export function createReporter(file: string, index: SourceIndex): Reporter {
  const diagnostics: Diagnostic[] = [];
  const valueAt = (pointer: string): Position => {
    let p = pointer;
    for (;;) {
      if (Object.prototype.hasOwnProperty.call(index.values, p)) return index.values[p]!;
      if (p === '') return { line: 1, column: 1 };
      p = p.slice(0, p.lastIndexOf('/'));
    }
  };
  const keyAt = (pointer: string): Position => index.keys.get(pointer) ?? valueAt(pointer);
  return {
    diagnostics,
    valueAt,
    keyAt,
    add(code, message, pointer, options = {}) {
      const at = options.position ?? (options.on === 'key' ? keyAt(pointer) : valueAt(pointer));
      diagnostics.push({
        code,
        severity: options.severity ?? 'error',
        message,
        file,
        line: at.line,
        column: at.column,
        pointer,
        ...(options.hint ? { hint: options.hint } : {}),
      });
    },
  };
}
