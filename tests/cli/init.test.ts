import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { json, REPO, runCli, tempProject } from './harness.ts';

/** `rustchain init` and `rustchain plugin new`, through the real bin. */

test('init: config, example mission and .gitignore entry; the example runs as written', async () => {
  const project = await tempProject({ '.gitignore': 'node_modules/' });
  try {
    await symlink(join(REPO, 'node_modules'), join(project.dir, 'node_modules'), 'dir');
    const init = await runCli(['init', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(init.code, 0, init.stderr);
    assert.deepEqual(json<{ written: string[] }>(init).written.sort(), ['.gitignore', 'missions/hello.yaml', 'rustchain.config.ts']);
    assert.equal(await readFile(join(project.dir, '.gitignore'), 'utf8'), 'node_modules/\n.rustchain/\n');
    assert.match(await readFile(join(project.dir, 'missions', 'hello.yaml'), 'utf8'), /^# yaml-language-server: \$schema=/);
    const run = await runCli(['mission', 'execute', 'missions/hello.yaml', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(json<{ status: string }>(run).status, 'succeeded');
    // A second init refuses (exit 2) and leaves the config as it was.
    const config = await readFile(join(project.dir, 'rustchain.config.ts'), 'utf8');
    const again = await runCli(['init'], { cwd: project.dir, home: project.home });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
    assert.equal(await readFile(join(project.dir, 'rustchain.config.ts'), 'utf8'), config);
  } finally {
    await project.cleanup();
  }
});

test('plugin new: a package with a test, a build and an example; existing files are kept', async () => {
  const project = await tempProject();
  try {
    await writeFile(join(project.dir, 'keep.txt'), 'x');
    const made = await runCli(['plugin', 'new', 'say_hello', '--dir', 'pkg', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(made.code, 0, made.stderr);
    const result = json<{ package: string; written: string[] }>(made);
    assert.equal(result.package, 'rustchain-plugin-say-hello');
    for (const file of ['package.json', 'src/index.ts', 'test/say_hello.test.ts', 'example.yaml', 'README.md', 'tsconfig.json']) {
      assert.ok(existsSync(join(project.dir, 'pkg', file)), file);
    }
    const pkg = JSON.parse(await readFile(join(project.dir, 'pkg', 'package.json'), 'utf8')) as { peerDependencies: Record<string, string>; scripts: Record<string, string>; rustchain?: { stepType?: string } };
    assert.match(pkg.peerDependencies['@rustchain/core'] ?? '', /^\^\d+\.\d+\.\d+$/);
    // The manifest names the step type, so projects import the plugin only when a mission uses it.
    assert.equal(pkg.rustchain?.stepType, 'say_hello');
    assert.ok(pkg.scripts['test'] && pkg.scripts['build']);
    await writeFile(join(project.dir, 'pkg', 'README.md'), 'mine');
    const again = await runCli(['plugin', 'new', 'say_hello', '--dir', 'pkg', '--json'], { cwd: project.dir, home: project.home });
    assert.ok(json<{ kept: string[] }>(again).kept.includes('README.md'));
    assert.equal(await readFile(join(project.dir, 'pkg', 'README.md'), 'utf8'), 'mine');
  } finally {
    await project.cleanup();
  }
});

for (const bad of ['SayHello', 'say-hello', '1st', 'say__hello']) {
  test(`plugin new: \`${bad}\` is not a step type (exit 2, nothing written)`, async () => {
    const project = await tempProject();
    try {
      const made = await runCli(['plugin', 'new', bad, '--dir', 'pkg'], { cwd: project.dir, home: project.home });
      assert.equal(made.code, 2);
      assert.equal(existsSync(join(project.dir, 'pkg')), false);
    } finally {
      await project.cleanup();
    }
  });
}
