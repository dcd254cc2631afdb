import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RUSTCHAIN_STEP_TYPES, migrateMissionText, validateMission, validateMissionText, type ErrorCode } from '../../../core/src/index.ts';
import { CORPUS_DIR, fakeRegistry } from './helpers.ts';

/**
 * Every file of shared/corpus/rustchain-missions, with the outcome _MANIFEST.md implies:
 * - `loads`: the original loaded it; here it validates, step types not built yet aside.
 * - `lenient`: the original refused it for a missing step `name`; our format defaults
 *   name to id, so it validates too.
 * - `rejected`: a diagnostic with a line and a fix hint; `first` is the line of the first
 *   diagnostic of each code.
 */
type Outcome =
  | { kind: 'loads' | 'lenient'; steps: number }
  | { kind: 'rejected'; steps: number; first: Partial<Record<ErrorCode, number>> };

const loads = (steps: number): Outcome => ({ kind: 'loads', steps });
const lenient = (steps: number): Outcome => ({ kind: 'lenient', steps });
const legacyJson = (steps: number): Outcome => ({ kind: 'rejected', steps, first: { E_SCHEMA_LEGACY_FIELD: 11 } });

const EXPECTED: Record<string, Outcome> = {
  'agent_demo.yaml': loads(3),
  'agent_mission.yaml': lenient(2),
  'agent_reasoning.yaml': loads(3),
  'api_integration.yaml': loads(6),
  'automation_workflow.yaml': loads(9),
  'basic_mission.yaml': lenient(2),
  'benchmark_suite.yaml': loads(8),
  'build_ai_tool.yaml': lenient(4),
  'chain_demo.yaml': loads(3),
  'comprehensive_spec_audit_concurrent.yaml': lenient(12),
  'data_processing.json': legacyJson(7),
  'data_processing.yaml': loads(4),
  'enterprise_ml_pipeline_rustchain.yaml': loads(1),
  'generate_specifications_automated.yaml': lenient(10),
  'gif_mission.yaml': lenient(2),
  'hello_world.json': legacyJson(3),
  'hello_world.yaml': loads(2),
  'hello_world_fixed.yaml': loads(3),
  'llm_demo.yaml': loads(2),
  'llm_mission.yaml': lenient(2),
  // `CreateFile` ×4 (lines 8, 38, 62, 101); the `Tool` step is accepted (legacy alias).
  'performance_test.yaml': { kind: 'rejected', steps: 5, first: { E_STEP_TYPE_UNKNOWN: 8 } },
  'safety_demo.json': legacyJson(5),
  'security_validation.yaml': loads(8),
  // `CreateFile` ×2 and `Policy`, `Safety`, `Audit`, which never were step types.
  'security_workflow.yaml': { kind: 'rejected', steps: 5, first: { E_STEP_TYPE_UNKNOWN: 8 } },
  'shimmy_integration_demo.yaml': lenient(3),
  'showcase_workflow.yaml': loads(8),
  'simple_demo.yaml': loads(1),
  'successor-examples_agent_reasoning.yaml': loads(3),
  'successor-examples_api_integration.yaml': loads(5),
  'successor-examples_data_processing.yaml': loads(3),
  'tool_demo.yaml': loads(3),
  // config `max_parallel` (line 7), then `Command`/`CreateFile` from line 13 on.
  'website_update.yaml': { kind: 'rejected', steps: 10, first: { E_SCHEMA_LEGACY_FIELD: 7, E_STEP_TYPE_UNKNOWN: 13 } },
  'working_demo.yaml': loads(4),
};

const present = existsSync(CORPUS_DIR);
const files = present ? readdirSync(CORPUS_DIR).filter((f) => !f.startsWith('_')).sort() : [];
const registry = fakeRegistry();

// Locally a missing ../shared only skips (with the reason); under CI it is a failure, so a
// checkout without the corpus cannot pass by running none of these cases.
it('the corpus is present (required under CI)', { skip: present || process.env['CI'] === undefined ? (present ? false : `corpus not found at ${CORPUS_DIR}`) : false }, () => {
  assert.ok(present, `corpus not found at ${CORPUS_DIR}`);
});

describe('RustChain corpus', { skip: present ? false : `corpus not found at ${CORPUS_DIR}` }, () => {
  it('the table covers exactly the files on disk (33, as the manifest says)', () => {
    assert.deepEqual(files, Object.keys(EXPECTED).sort());
    assert.equal(files.length, 33);
    assert.equal(Object.values(EXPECTED).filter((o) => o.kind === 'loads').length, 19);
  });

  for (const file of Object.keys(EXPECTED)) {
    const expected = EXPECTED[file]!;
    it(`${file}: ${expected.kind}`, async () => {
      const path = join(CORPUS_DIR, file);
      const result = await validateMission(path, { registry });
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      for (const d of result.diagnostics) assert.ok(d.line >= 1 && d.column >= 1, `${d.code} has a position`);
      if (expected.kind !== 'rejected') {
        assert.deepEqual(errors.filter((d) => d.code !== 'E_PLUGIN_NOT_INSTALLED'), []);
        for (const d of errors) assert.match(d.hint ?? '', /@rustchain\/plugin-/);
        // Without a registry the step types are not checked: the mission loads in full.
        const bare = await validateMission(path);
        assert.equal(bare.ok, true);
        assert.equal(bare.mission?.steps.length, expected.steps);
        return;
      }
      assert.equal(result.ok, false);
      const codes = new Set(errors.map((d) => d.code));
      assert.deepEqual([...codes].filter((c) => c !== 'E_PLUGIN_NOT_INSTALLED').sort(), Object.keys(expected.first).sort());
      for (const [code, line] of Object.entries(expected.first)) {
        assert.equal(errors.find((d) => d.code === code)?.line, line, `first ${code}`);
      }
      for (const d of errors) assert.ok(d.hint, `${d.code} at line ${d.line} has a fix hint`);
    });
  }

  for (const file of Object.keys(EXPECTED)) {
    it(`${file}: migrate leaves no legacy field or PascalCase RustChain step type`, () => {
      const path = join(CORPUS_DIR, file);
      const text = readFileSync(path, 'utf8');
      const migrated = migrateMissionText(text, path);
      const result = validateMissionText(migrated.text, path, { registry });
      assert.deepEqual(result.diagnostics.filter((d) => d.code === 'E_SCHEMA_LEGACY_FIELD'), []);
      if (migrated.changes.length === 0) assert.equal(migrated.text, text);
      if (file.endsWith('.json')) assert.doesNotThrow(() => JSON.parse(migrated.text));
      const bare = validateMissionText(migrated.text, path);
      assert.equal(bare.ok, true, JSON.stringify(bare.diagnostics.filter((d) => d.severity === 'error')));
      assert.equal(bare.mission?.steps.length, EXPECTED[file]!.steps);
      const squash = (t: string) => t.replace(/_/g, '').toLowerCase();
      for (const step of bare.mission!.steps) {
        if (/[A-Z]/.test(step.type)) assert.ok(!RUSTCHAIN_STEP_TYPES.some((t) => squash(t) === squash(step.type)), step.type);
      }
    });
  }
});
