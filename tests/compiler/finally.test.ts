import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMission } from '@rustchain/compiler';
import { REPO_ROOT, mission, repoProject, step } from './helpers.ts';

test('compile refuses a mission with finally: steps (E_COMPILE_FINALLY_UNSUPPORTED at /finally), emitting nothing', async () => {
  const project = await repoProject();
  const m = { ...mission([step('a', 'noop')], { '/finally': { line: 7, column: 3 } }), finally: [step('f', 'noop')] };
  const result = compileMission(m, project.registry, { outFile: 'out.mission.ts', resolveFrom: REPO_ROOT, typecheck: false });
  assert.equal(result.code, '');
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line, d.column]), [['E_COMPILE_FINALLY_UNSUPPORTED', 7, 3]]);
});
