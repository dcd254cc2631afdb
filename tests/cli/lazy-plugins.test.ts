import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FIRST_PARTY_PLUGINS } from '@rustchain/core';
import { lazyPlugin } from '../core/registry/helpers.ts';
import { json, runCli, tempProject, type CliRun } from './harness.ts';

// Start-up pays only for the plugins a command needs: a resolve hook logs every plugin entry
// module (plugins/<folder>/src/index.ts) and heavy SDK the CLI resolves (bullmq and ioredis:
// the redis backend's, loaded only with --backend redis).

const HEAVY = /node_modules\/(openai|@anthropic-ai|@modelcontextprotocol|better-sqlite3|ts-morph|ssh2|playwright-core|log-update|bullmq|ioredis)\//;

describe('the CLI imports only the plugins a command needs', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let log = '';
  let nodeOptions = '';
  before(async () => {
    project = await tempProject({
      'noop.yaml': 'version: "1.0"\nname: n\nsteps:\n  - id: a\n    step_type: noop\n  - id: b\n    step_type: noop\n    depends_on: [a]\n',
      'files.yaml': 'version: "1.0"\nname: f\nsteps:\n  - id: a\n    step_type: create_file\n    parameters: { path: a.txt, content: x }\n  - id: b\n    step_type: read_file\n    depends_on: [a]\n    parameters: { path: a.txt }\n',
    });
    log = join(project.dir, 'resolved.log');
    writeFileSync(join(project.dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); if (/\\/plugins\\/[^/]+\\/src\\/index\\.ts$/.test(r.url) || ${HEAVY}.test(r.url)) appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
    writeFileSync(join(project.dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(project.dir, 'hooks.mjs')).href)});\n`);
    nodeOptions = `${process.env['NODE_OPTIONS'] ?? ''} --import ${pathToFileURL(join(project.dir, 'register.mjs')).href}`.trim();
  });
  after(() => project.cleanup());

  /** Runs the CLI with the hook; returns the plugin folders and heavy SDK URLs it resolved. */
  async function traced(args: string[]): Promise<CliRun & { plugins: string[]; heavy: string[] }> {
    writeFileSync(log, '');
    const run = await runCli(args, { cwd: project.dir, home: project.home, env: { NODE_OPTIONS: nodeOptions } });
    const urls = readFileSync(log, 'utf8').split('\n').filter((line) => line !== '');
    const plugins = [...new Set(urls.flatMap((url) => /\/plugins\/([^/]+)\/src\/index\.ts$/.exec(url)?.[1] ?? []))].sort();
    return { ...run, plugins, heavy: urls.filter((url) => HEAVY.test(url)) };
  }

  it('mission validate of a noop mission imports the noop plugin only, and no heavy SDK', async () => {
    const run = await traced(['mission', 'validate', '--json', 'noop.yaml']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(json<{ ok: boolean }>(run).ok, true);
    assert.deepEqual(run.plugins, ['noop']);
    assert.deepEqual(run.heavy, []);
  });

  it('mission execute imports the mission\'s step types only', async () => {
    const run = await traced(['mission', 'execute', '--json', 'files.yaml']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.plugins, ['create-file', 'read-file']);
    assert.deepEqual(run.heavy, []);
  });

  it('plugins list describes every plugin: it imports them all', async () => {
    const run = await traced(['plugins', 'list', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(json<{ plugins: unknown[] }>(run).plugins.length, FIRST_PARTY_PLUGINS.length);
    assert.equal(run.plugins.length, FIRST_PARTY_PLUGINS.length);
  });

  it('a configured plugin that throws on import is never imported by a mission that does not use it', async () => {
    const { dir, home, cleanup } = await tempProject({ 'm.yaml': 'version: "1.0"\nname: m\nsteps:\n  - id: a\n    step_type: one\n' });
    try {
      for (const [path, text] of Object.entries({
        ...lazyPlugin(dir, 'p-one', 'one'),
        ...lazyPlugin(dir, 'p-boom', 'boom', { throws: true }),
        'rustchain.config.mjs': 'export default { plugins: ["p-one", "p-boom"], policy: { stepTypes: ["one"] } };\n',
      })) {
        await mkdir(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const validate = await runCli(['mission', 'validate', '--json', 'm.yaml'], { cwd: dir, home });
      assert.equal(validate.code, 0, validate.stderr);
      const check = await runCli(['policy', 'check', '--json', 'm.yaml'], { cwd: dir, home });
      assert.equal(check.code, 0, check.stderr + check.stdout);
      assert.deepEqual(readFileSync(join(dir, 'imported.txt'), 'utf8').split('\n').filter(Boolean), ['p-one', 'p-one']);
    } finally {
      await cleanup();
    }
  });
});
