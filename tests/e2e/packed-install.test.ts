import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The product as a user gets it: every package packed, installed from the tarballs into a fresh
// CommonJS project outside the repository, driven through the installed bin from other
// directories. Slow (npm installs, a native build of better-sqlite3): minutes, not seconds.

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Every workspace package directory. */
function packageDirs(): string[] {
  const plugins = readdirSync(join(REPO, 'plugins')).map((name) => join(REPO, 'plugins', name));
  return ['core', 'compiler', 'cli', 'testing'].map((name) => join(REPO, name)).concat(plugins).filter((dir) => existsSync(join(dir, 'package.json')));
}

/** Newest mtime of the files under `dir` (recursively). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** A child's environment: as a user's shell would have it (no source condition: tarballs have no src/). */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
  delete env['NODE_OPTIONS'];
  // Set by the test runner for its own children; a nested `node --test` would then report in
  // the runner's binary protocol instead of printing TAP.
  delete env['NODE_TEST_CONTEXT'];
  return env;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion in `cwd`. */
function run(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs and asserts exit 0, showing the output otherwise. */
async function ok(argv: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
  const result = await run(argv, cwd, env);
  assert.equal(result.code, 0, `${argv.join(' ')} in ${cwd} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

test('packed packages: init, a scaffolded plugin, compile, type-check and run outside the repository', { timeout: 1_200_000 }, async (t) => {
  const dirs = packageDirs();
  // Build when any package's dist/ is missing or older than its sources (CI built at install).
  if (dirs.some((dir) => !existsSync(join(dir, 'dist')) || newest(join(dir, 'src')) > newest(join(dir, 'dist')))) {
    await ok([process.execPath, join(REPO, 'scripts', 'build.mjs')], REPO);
  }
  const root = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-e2e-')));
  t.after(() => rm(root, { recursive: true, force: true }));
  const tarballs = join(root, 'tarballs');
  await mkdir(tarballs);
  for (const dir of dirs) await ok(['npm', 'pack', '--silent', '--pack-destination', tarballs], dir);
  const tgz = readdirSync(tarballs).map((name) => join(tarballs, name));
  const tarball = (name: string): string => {
    const found = tgz.find((file) => file.endsWith(`/${name}-0.1.0.tgz`));
    assert.ok(found, `tarball of ${name}`);
    return found;
  };

  // 1. A fresh CommonJS project: install, init, run the example.
  const project = join(root, 'project');
  await mkdir(project);
  await ok(['npm', 'init', '-y'], project);
  assert.equal((JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as { type?: string }).type ?? 'commonjs', 'commonjs');
  await ok(['npm', 'install', ...tgz], project);
  const bin = join(project, 'node_modules', '.bin', 'rustchain');
  await ok([bin, 'init'], project);
  const hello = await ok([bin, 'mission', 'execute', 'missions/hello.yaml', '--json'], project);
  assert.equal((JSON.parse(hello.stdout) as { status: string }).status, 'succeeded');
  const listed = (JSON.parse((await ok([bin, 'plugins', 'list', '--json'], project)).stdout) as { plugins: { type: string; package: string }[] }).plugins;
  // Every first-party step type came with the CLI, each from its own package.
  assert.ok(listed.length >= 43, `first-party plugins listed: ${listed.length}`);
  assert.equal(new Set(listed.map((p) => p.package)).size, listed.length);
  // The CommonJS dependencies inlined into core's dist (package.json rustchainBuild.inline) work
  // from the installed package: typo suggestions (fastest-levenshtein) and the network guard's
  // address ranges (ipaddr.js).
  await writeFile(join(project, 'typo.yaml'), 'version: "1.0"\nname: typo\nsteps:\n  - id: a\n    step_type: noop\n    depnds_on: []\n');
  const typo = await run([bin, 'mission', 'validate', 'typo.yaml'], project);
  assert.equal(typo.code, 2, typo.stderr);
  assert.match(typo.stderr, /did you mean `depends_on`\?/);
  await writeFile(join(project, 'metadata.yaml'), 'version: "1.0"\nname: metadata\nsteps:\n  - id: a\n    step_type: http\n    parameters:\n      url: http://169.254.169.254/latest\n');
  const metadata = await run([bin, 'policy', 'check', 'metadata.yaml'], project);
  assert.equal(metadata.code, 1, metadata.stderr);
  assert.match(metadata.stderr, /E_POLICY_HOST_DENIED: .*reserved linkLocal address/);

  // 2. A new plugin in another directory: its own npm test passes against the packed kit.
  const workshop = join(root, 'workshop');
  await mkdir(workshop);
  await ok([bin, 'plugin', 'new', 'say_hello'], workshop);
  const plugin = join(workshop, 'rustchain-plugin-say-hello');
  await ok(['npm', 'install', '-D', tarball('rustchain-core'), tarball('rustchain-testing')], plugin);
  const tested = await ok(['npm', 'test'], plugin);
  assert.match(tested.stdout, /# pass 2/);
  assert.match(tested.stdout, /# fail 0/);
  await ok(['npm', 'run', 'build'], plugin);
  await ok(['npm', 'pack', '--silent', '--pack-destination', tarballs], plugin);

  // 3. Installed into the project, listed in its config: run, compile, type-check.
  await ok(['npm', 'install', join(tarballs, 'rustchain-plugin-say-hello-0.1.0.tgz')], project);
  const configFile = join(project, 'rustchain.config.ts');
  const config = await readFile(configFile, 'utf8');
  await writeFile(configFile, config.replace('plugins: [', "plugins: [\n    'rustchain-plugin-say-hello',"));
  await writeFile(join(project, 'missions', 'example.yaml'), await readFile(join(plugin, 'example.yaml'), 'utf8'));
  const executed = await ok([bin, 'mission', 'execute', 'missions/example.yaml', '--json'], project);
  assert.equal((JSON.parse(executed.stdout) as { status: string }).status, 'succeeded');
  assert.equal(await readFile(join(project, 'greeting.txt'), 'utf8'), 'Hello, World!\n');
  await ok([bin, 'compile', 'missions/example.yaml', '-o', 'missions/example.mission.ts'], project);
  // A stock strict nodenext tsconfig (as `tsc --init` writes it) in the CommonJS consumer.
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', target: 'esnext', strict: true, skipLibCheck: true, noEmit: true, types: [] },
    include: ['missions/*.ts'],
  }));
  await ok([process.execPath, join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);

  // 4. The compiled module runs from a third directory, with the plugins it imports.
  const elsewhere = join(root, 'elsewhere');
  await mkdir(elsewhere);
  const ran = await ok([bin, 'run', join(project, 'missions', 'example.mission.ts'), '--json'], elsewhere);
  assert.equal((JSON.parse(ran.stdout) as { status: string }).status, 'succeeded');
  assert.equal(await readFile(join(elsewhere, 'greeting.txt'), 'utf8'), 'Hello, World!\n');
  assert.ok(existsSync(join(elsewhere, '.rustchain', 'audit')), 'the run was recorded in the state dir where it ran');
});
