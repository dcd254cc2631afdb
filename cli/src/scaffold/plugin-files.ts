import type { ScaffoldFile } from './write-files.ts';

/** What a new plugin package is called and built against. */
export interface PluginScaffold {
  /** The step type, snake_case (`say_hello`). */
  stepType: string;
  /** The npm package name (default `rustchain-plugin-<kebab-type>`). */
  packageName: string;
  /** The @rustchain/core version the plugin is built against (its SDK range is `^` that). */
  coreVersion: string;
}

/** `say_hello` → `sayHello`. */
const camel = (type: string): string => type.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The files of a standalone plugin package that builds and passes its own `npm test`. */
export function pluginFiles(options: PluginScaffold): ScaffoldFile[] {
  const { stepType, packageName, coreVersion } = options;
  const range = `^${coreVersion}`;
  const packageJson = {
    name: packageName,
    version: '0.1.0',
    description: `RustChain step type '${stepType}'`,
    type: 'module',
    // The registry learns the step type here without importing the package: a command imports
    // the plugin only when its mission uses the step type (fast start-up).
    rustchain: { stepType },
    license: 'MIT',
    keywords: ['rustchain', 'rustchain-plugin'],
    engines: { node: '>=20' },
    files: ['dist', 'README.md'],
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    scripts: {
      build: 'tsup src/index.ts --format esm --dts --sourcemap --clean',
      test: `node --import tsx --test test/${stepType}.test.ts`,
      prepublishOnly: 'npm run build && npm test',
    },
    // The SDK range this plugin was built against: the registry refuses it under any other core.
    peerDependencies: { '@rustchain/core': range },
    dependencies: { '@sinclair/typebox': '^0.34.0' },
    devDependencies: {
      '@rustchain/core': range,
      '@rustchain/testing': range,
      '@types/node': '^20.19.0',
      tsup: '^8.5.0',
      tsx: '^4.20.0',
      typescript: '~5.9.0',
    },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
      noUncheckedIndexedAccess: true, verbatimModuleSyntax: true, skipLibCheck: true, noEmit: true, types: ['node'],
    },
    include: ['src', 'test'],
  };
  const binding = camel(stepType);
  return [
    { path: 'package.json', text: `${JSON.stringify(packageJson, null, 2)}\n` },
    { path: 'tsconfig.json', text: `${JSON.stringify(tsconfig, null, 2)}\n` },
    { path: '.gitignore', text: 'node_modules/\ndist/\n.rustchain/\n' },
    {
      path: 'src/index.ts',
      text: `import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/**
 * \`${stepType}\`: writes a greeting to a file. Replace with your step's work: every side effect
 * goes through \`ctx\` (ctx.fs, ctx.exec, ctx.fetch, ctx.env), which enforces the policy.
 */
export default definePlugin({
  type: '${stepType}',
  description: 'Writes a greeting for \`name\` to \`path\`',
  params: Type.Object({
    name: Type.String({ minLength: 1, description: 'Who to greet' }),
    path: Type.String({ description: 'File to write, relative to the working directory' }),
  }),
  outputs: Type.Object({ path: Type.String(), message: Type.String() }),
  capabilities: ['fs.write'],
  // Running it twice leaves the same file: resume may re-run it after a crash.
  effect: 'idempotent',
  // What the static policy check sees before anything runs (pointer = where in \`parameters\`).
  claims: (params) => [{ kind: 'write', path: params.path, pointer: '/path' }],
  async run(params, ctx) {
    if (params.name.trim() === '') throw new PluginError('E_${stepType.toUpperCase()}_NO_NAME', 'name is blank');
    const message = \`Hello, \${params.name}!\`;
    const written = await ctx.fs.writeText(params.path, \`\${message}\\n\`, { createParents: true });
    return { path: written.path, message };
  },
});
`,
    },
    {
      path: `test/${stepType}.test.ts`,
      text: `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStep } from '@rustchain/testing';
import ${binding} from '../src/index.ts';

test('${stepType} writes the greeting', async () => {
  const run = await runStep(${binding}, { name: 'Ada', path: 'out/greeting.txt' });
  assert.equal(run.status, 'succeeded');
  assert.equal(run.outputs['message'], 'Hello, Ada!');
  assert.equal(await run.read('out/greeting.txt'), 'Hello, Ada!\\n');
});

test('${stepType} cannot write outside the project: the policy refuses it before it runs', async () => {
  const run = await runStep(${binding}, { name: 'Ada', path: '/etc/greeting.txt' });
  assert.equal(run.status, 'refused');
  assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_PATH_DENIED'));
});
`,
    },
    {
      path: 'example.yaml',
      text: `# A mission using the ${stepType} step type. Install this package in a RustChain project,
# add '${packageName}' to \`plugins\` in rustchain.config.ts, then:
#   npx rustchain mission execute example.yaml
version: "1.0"
name: ${stepType} example
steps:
  - id: greet
    step_type: ${stepType}
    parameters:
      name: World
      path: greeting.txt
`,
    },
    {
      path: 'README.md',
      text: `# ${packageName}

The \`${stepType}\` step type for [RustChain](https://github.com/Michael-A-Kuykendall/rustchain-community).

| parameter | type | required | meaning |
|---|---|---|---|
| \`name\` | string | yes | who to greet |
| \`path\` | string | yes | file to write (relative to the working directory) |

Outputs: \`path\` (absolute path written), \`message\`. Needs write access to \`path\` (policy \`fs.write\`).

## Develop

\`\`\`sh
npm install
npm test        # runs the step through the real engine and policy (@rustchain/testing)
npm run build   # dist/: ESM + .d.ts
\`\`\`

## Use

\`\`\`sh
npm install ${packageName}
\`\`\`

then list \`'${packageName}'\` in \`plugins\` of \`rustchain.config.ts\` and run \`example.yaml\`.
`,
    },
  ];
}
