import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MissionResult } from '@rustchain/core';
import { json, REPO, runCli, tempProject } from './harness.ts';

interface PluginsDoc {
  configFile: string | null;
  plugins: Array<{ type: string; package: string; version: string; capabilities: string[] }>;
}

describe('rustchain plugins list and logs', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  before(async () => {
    project = await tempProject({ 'm.yaml': 'version: "1.0"\nname: m\nsteps:\n  - id: a\n    step_type: noop\n' });
  });
  after(() => project.cleanup());

  it("in the repository: the config's plugins, one per step type, with versions", async () => {
    const run = await runCli(['plugins', 'list', '--json'], { cwd: REPO, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    const doc = json<PluginsDoc>(run);
    assert.equal(doc.configFile, join(REPO, 'rustchain.config.ts'));
    const types = doc.plugins.map((p) => p.type);
    assert.ok(types.includes('command') && types.includes('create_file'));
    assert.deepEqual(types, [...types].sort());
    for (const p of doc.plugins) assert.match(p.version, /^\d+\.\d+\.\d+/);
  });

  it('without a config file: the first-party plugins, resolved from the CLI', async () => {
    const run = await runCli(['plugins', 'list', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    const doc = json<PluginsDoc>(run);
    assert.equal(doc.configFile, null);
    assert.equal(doc.plugins.length, readdirSync(join(REPO, 'plugins')).length);
  });

  it('--config naming a missing file exits 2 with E_FILE_NOT_FOUND', async () => {
    const run = await runCli(['plugins', 'list', '--json', '--config', 'nope.config.ts'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2);
    assert.deepEqual(json<{ diagnostics: Array<{ code: string }> }>(run).diagnostics.map((d) => d.code), ['E_FILE_NOT_FOUND']);
  });

  it('--log-level info writes the run log under the state dir, never on stdout; the ledger gets the run', async () => {
    const run = await runCli(['mission', 'execute', '--json', '--log-level', 'info', 'm.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    const { runId } = json<MissionResult>(run);
    const log = join(project.home, 'runs', runId, 'run.log');
    assert.ok(existsSync(log));
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    assert.ok(lines.some((line) => line.msg === 'run.finished'));
    const ledger = readFileSync(join(project.home, 'audit', 'ledger.jsonl'), 'utf8');
    assert.ok(ledger.includes(runId));
  });
});
