import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { validateMissionText } from '../../../core/src/index.ts';

interface StepSpec {
  id: string;
  name?: string;
  step_type: string;
  depends_on?: string[];
  timeout_seconds?: number;
  continue_on_error?: boolean;
  parameters?: Record<string, string | number | boolean>;
}

const idArb = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
const paramsArb = fc.dictionary(
  fc.stringMatching(/^[a-z]{1,6}$/),
  fc.oneof(fc.string({ maxLength: 20 }).filter((s) => !s.includes('${{')), fc.integer(), fc.boolean()),
  { maxKeys: 4 },
);

/** A random valid mission: unique ids, each step depending only on earlier ones (a DAG). */
const missionArb = fc.uniqueArray(idArb, { minLength: 1, maxLength: 10 }).chain((ids) =>
  fc
    .tuple(
      ...ids.map((id, i) =>
        fc.record(
          {
            name: fc.string({ minLength: 1, maxLength: 12 }),
            step_type: fc.constantFrom('noop', 'create_file', 'command', 'llm'),
            depends_on: fc.subarray(ids.slice(0, i)),
            timeout_seconds: fc.nat(3600),
            continue_on_error: fc.boolean(),
            parameters: paramsArb,
          },
          { requiredKeys: ['step_type'] },
        ).map((rest) => ({ id, ...rest }) as StepSpec),
      ),
    )
    .map((steps) => ({ version: '1.0', name: 'random', steps })),
);

describe('loader: properties', () => {
  it('every step id pointer in sourceMap lands on a line that contains the id (YAML and JSON)', () => {
    fc.assert(
      fc.property(missionArb, fc.boolean(), (mission, asJson) => {
        const text = asJson ? JSON.stringify(mission, null, 2) : stringify(mission);
        const result = validateMissionText(text, asJson ? 'random.json' : 'random.yaml');
        assert.equal(result.ok, true, JSON.stringify(result.diagnostics));
        const lines = text.split('\n');
        mission.steps.forEach((step, i) => {
          const at = result.mission!.sourceMap[`/steps/${i}/id`];
          assert.ok(at, `pointer /steps/${i}/id`);
          assert.ok(lines[at.line - 1]?.includes(step.id), `line ${at.line} holds ${step.id}`);
          assert.ok(lines[at.line - 1]!.slice(at.column - 1).replace(/^"/, '').startsWith(step.id));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('round trip: mission object → YAML → validate gives back the same steps, defaults applied', () => {
    fc.assert(
      fc.property(missionArb, (mission) => {
        const result = validateMissionText(stringify(mission), 'random.yaml');
        assert.equal(result.ok, true, JSON.stringify(result.diagnostics));
        const got = result.mission!.steps.map((s) => ({
          id: s.id, name: s.name, type: s.type, parameters: s.parameters, dependsOn: s.dependsOn,
          timeoutSeconds: s.timeoutSeconds, continueOnError: s.continueOnError,
        }));
        const want = mission.steps.map((s) => ({
          id: s.id, name: s.name ?? s.id, type: s.step_type, parameters: { ...s.parameters }, dependsOn: s.depends_on ?? [],
          timeoutSeconds: s.timeout_seconds ?? 300, continueOnError: s.continue_on_error ?? false,
        }));
        assert.deepEqual(got, want);
      }),
      { numRuns: 60 },
    );
  });

  it('every node of the document has a position, and positions lie inside the text', () => {
    fc.assert(
      fc.property(missionArb, (mission) => {
        const text = stringify(mission);
        const lines = text.split('\n');
        const { sourceMap } = validateMissionText(text, 'random.yaml').mission!;
        mission.steps.forEach((step, i) => {
          for (const key of Object.keys(step)) assert.ok(sourceMap[`/steps/${i}/${key}`], `/steps/${i}/${key}`);
          for (const key of Object.keys(step.parameters ?? {})) assert.ok(sourceMap[`/steps/${i}/parameters/${key}`]);
          (step.depends_on ?? []).forEach((_, k) => assert.ok(sourceMap[`/steps/${i}/depends_on/${k}`]));
        });
        for (const { line, column } of Object.values(sourceMap)) {
          assert.ok(line >= 1 && line <= lines.length && column >= 1 && column <= (lines[line - 1]?.length ?? 0) + 1);
        }
      }),
      { numRuns: 40 },
    );
  });
});
