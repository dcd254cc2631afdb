/** Shared by the crash tests: a project with small missions, and the repair-then-run-on check. */
import assert from 'node:assert/strict';
import { auditPaths, type VerifyReport } from '@rustchain/core';
import { json, runCli, tempProject } from './harness.ts';

/** The --json document of `audit verify --repair`. */
export type Repaired = VerifyReport & { repaired: { removedBytes: number; headResigned: boolean; lost: { from: number; through: number } | null; copy: string | null } | null };

/** The head of a mission file. */
export const header = (name: string): string => `version: "1.0"\nname: ${name}\nsteps:\n`;
/** A create_file step writing out/<id>.txt. */
export const createStep = (id: string, deps: string[] = []): string =>
  `  - id: ${id}\n    step_type: create_file\n${deps.length > 0 ? `    depends_on: [${deps.join(', ')}]\n` : ''}    parameters: { path: out/${id}.txt, content: ${id} }\n`;

/** A project with two small missions; `cli` runs the real CLI on its state dir. */
export async function fixture(env: Record<string, string> = {}) {
  const project = await tempProject({
    'small.yaml': `${header('small')}${createStep('x1')}${createStep('x2', ['x1'])}`,
    'next.yaml': `${header('next')}${createStep('n1')}`,
  });
  const cli = (args: string[]) => runCli(args, { cwd: project.dir, home: project.home, env });
  return { project, cli, paths: auditPaths(project.home) };
}

/** verify --repair must end ok; then the next run works and verifies. Returns the repair document. */
export async function repairsAndRunsOn(cli: (args: string[]) => ReturnType<typeof runCli>): Promise<Repaired> {
  const repaired = await cli(['audit', 'verify', '--repair', '--json']);
  const doc = json<Repaired>(repaired);
  assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
  assert.deepEqual([doc.ok, doc.problem], [true, null]);
  const next = await cli(['mission', 'execute', 'next.yaml']);
  assert.equal(next.code, 0, next.stderr);
  const after = await cli(['audit', 'verify', '--json']);
  assert.equal(after.code, 0, after.stdout);
  return doc;
}

