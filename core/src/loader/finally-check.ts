import type { Reporter } from './locate.ts';

/**
 * The `finally:` section is checked by the same functions as `steps:` (shapes, unknown keys,
 * graph, step types, templates): they are handed the finally list as if it were `steps` and
 * a reporter that moves every pointer from `/steps/...` to `/finally/...`, so diagnostics land
 * on the finally entries without a second copy of each check.
 */
export function finallyReporter(report: Reporter): Reporter {
  const move = (pointer: string): string => (pointer.startsWith('/steps') ? `/finally${pointer.slice('/steps'.length)}` : pointer);
  return {
    diagnostics: report.diagnostics,
    valueAt: (pointer) => report.valueAt(move(pointer)),
    keyAt: (pointer) => report.keyAt(move(pointer)),
    add: (code, message, pointer, options) => report.add(code, message.replace(/`\/steps\//g, '`/finally/'), move(pointer), options),
  };
}

/** A finally step's id reused from `steps:` (ids are unique across both lists). */
export function checkFinallyIds(main: ReadonlyArray<{ id: unknown }>, cleanup: ReadonlyArray<{ id: unknown }>, report: Reporter): void {
  const mainIds = new Map<string, number>();
  main.forEach((s, i) => {
    if (typeof s.id === 'string' && !mainIds.has(s.id)) mainIds.set(s.id, i);
  });
  cleanup.forEach((s, i) => {
    if (typeof s.id !== 'string') return;
    const first = mainIds.get(s.id);
    if (first === undefined) return;
    report.add('E_DUPLICATE_STEP_ID', `duplicate step id \`${s.id}\` (first used at line ${report.valueAt(`/steps/${first}/id`).line})`, `/finally/${i}/id`, {
      hint: 'ids are unique across `steps` and `finally`; rename one of them',
    });
  });
}

/** A finally step that lists a main step in depends_on: it always runs after them, so that is refused. */
export function checkFinallyDeps(mainIds: ReadonlySet<string>, cleanup: ReadonlyArray<{ depends_on?: unknown }>, report: Reporter): void {
  cleanup.forEach((s, i) => {
    if (!Array.isArray(s.depends_on)) return;
    s.depends_on.forEach((dep: unknown, k) => {
      if (typeof dep !== 'string' || !mainIds.has(dep)) return;
      report.add('E_DAG_UNKNOWN_DEP', `finally step depends on main step \`${dep}\`: finally steps may only depend on other finally steps`, `/finally/${i}/depends_on/${k}`, {
        hint: 'remove it: finally steps run after every main step anyway, and can read its outputs',
      });
    });
  });
}
