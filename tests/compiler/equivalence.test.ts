import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import fc from 'fast-check';
import { executeMission, isCompiledMission, resolvePolicy, type Mission, type MissionResult, type RunEvent } from '@rustchain/core';
import { compileMission } from '@rustchain/compiler';
import { REPO_ROOT, mission, repoProject, step } from './helpers.ts';

// Property: a mission run through its compiled module (emit → import → toMission → executor)
// and run as interpreted give the same step statuses and outputs, and both respect every
// dependency edge. The type-check is skipped here (typecheck.test.ts and the goldens cover it):
// it would dominate the run time without changing what is executed.

type Kind = 'noop' | 'create_file' | 'true' | 'false';

const arbMission = fc
  .array(fc.record({ kind: fc.constantFrom<Kind>('noop', 'create_file', 'true', 'false'), deps: fc.array(fc.nat(), { maxLength: 3 }), continueOnError: fc.boolean() }), { minLength: 1, maxLength: 7 })
  .map((specs) =>
    mission(
      specs.map((s, i) => {
        const id = `s${i}`;
        // Dependencies only on earlier steps: always a DAG.
        const dependsOn = i === 0 ? [] : [...new Set(s.deps.map((d) => `s${d % i}`))];
        const base = { dependsOn, continueOnError: s.continueOnError };
        if (s.kind === 'noop') return step(id, 'noop', base);
        if (s.kind === 'create_file') {
          // A template over an upstream create_file's outputs, when there is one.
          const upstream = dependsOn.find((d) => specs[Number(d.slice(1))]?.kind === 'create_file');
          const content = upstream === undefined ? `content of ${id}` : `after \${{ steps.${upstream}.outputs.bytes }} bytes`;
          return step(id, 'create_file', { ...base, parameters: { path: `${id}.txt`, content }, hasTemplates: upstream !== undefined });
        }
        return step(id, 'command', { ...base, parameters: { command: s.kind } });
      }),
    ),
  )
  .map((m): Mission => ({ ...m, config: { ...m.config, failFast: false } }));

async function runWithOrder(m: Mission, registry: Awaited<ReturnType<typeof repoProject>>['registry'], workDir: string) {
  const policy = resolvePolicy({ cwd: workDir, hasConfigFile: false, flags: { allowRun: ['true', 'false'] } });
  const finishedAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  let tick = 0;
  const onEvent = (e: RunEvent): void => {
    tick += 1;
    if (e.type === 'step.started' && !startedAt.has(e.stepId)) startedAt.set(e.stepId, tick);
    if (e.type === 'step.succeeded' || e.type === 'step.failed') finishedAt.set(e.stepId, tick);
  };
  const result: MissionResult = await executeMission(m, { registry, policy, workDir, onEvent });
  for (const s of m.steps) {
    const start = startedAt.get(s.id);
    if (start === undefined) continue;
    for (const dep of s.dependsOn) assert.ok((finishedAt.get(dep) ?? Infinity) < start, `${s.id} started before ${dep} finished`);
  }
  return result.steps.map((s) => ({ id: s.id, status: s.status, outputs: s.outputs, code: s.error?.code ?? null }));
}

test('property: compiled-module runs and interpreted runs agree', async () => {
  const project = await repoProject();
  const dir = await mkdtemp(join(REPO_ROOT, 'tests', 'compiler', '.tmp-equivalence-'));
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(arbMission, async (m) => {
        n += 1;
        const moduleFile = join(dir, `m${n}.mission.ts`);
        const { code, diagnostics } = compileMission(m, project.registry, { outFile: moduleFile, cwd: dir, typecheck: false });
        assert.deepEqual(diagnostics, []);
        await writeFile(moduleFile, code);
        const imported = (await import(pathToFileURL(moduleFile).href)) as { default: unknown };
        assert.ok(isCompiledMission(imported.default));
        const workA = await mkdtemp(join(dir, 'a-'));
        const workB = await mkdtemp(join(dir, 'b-'));
        const interpreted = await runWithOrder(m, project.registry, workA);
        const compiled = await runWithOrder(imported.default.toMission(), project.registry, workB);
        const strip = (rows: typeof interpreted, work: string) => JSON.parse(JSON.stringify(rows).split(work).join('<work>')) as unknown;
        assert.deepEqual(strip(compiled, workB), strip(interpreted, workA));
      }),
      { numRuns: 15 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
