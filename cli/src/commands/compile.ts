import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import type { Mission, Project } from '@rustchain/core';
import { EXIT } from '../exit-codes.ts';
import { PermissionedCommand } from '../options/permissions.ts';
import { CLI_DIR } from '../package-dir.ts';
import { prepareMission } from '../prepare.ts';
import { printDiagnostics } from '../report/diagnostics.ts';

/** `rustchain compile <mission> -o <out>`: validate, check policy, compile, type-check, write. */
export class CompileCommand extends PermissionedCommand {
  static override paths = [['compile']];

  static override usage = Command.Usage({
    category: 'Missions',
    description: 'Compile a mission to a type-checked TypeScript module (or a self-contained bundle)',
    details: `
      Validates the mission, checks it against the policy (config + \`--allow-*\` flags), emits one
      deterministic TypeScript module (header with the source SHA-256, imports of exactly the plugins
      used, \`manifest\`, \`schedule\`, typed parameters and template accessors, a default export that
      \`rustchain run\` executes) and type-checks it in-process. Every type error is reported at the
      YAML line that caused it; nothing is written then (exit 2).

      \`--bundle\` writes a single \`.mjs\` with core and the plugins inlined: \`node out.mjs\` runs the mission
      without the workspace, under the no-config policy of its working directory (read/write there,
      nothing else) extended by the same \`--allow-*\` flags; \`--json\` prints the run document. A bundle
      run is recorded in the ledger of the state dir it runs in (\`$RUSTCHAIN_HOME\`, else \`./.rustchain\`).

      Beside the output, \`<out>.intoto.json\` is written: a DSSE envelope over an in-toto statement whose
      subject is the output's SHA-256 and whose materials are the source mission (path, SHA-256), each
      plugin (package, version, lockfile integrity) and the compiler version, signed with the compile key
      (\`compile.key\`, Ed25519, created on first use beside the ledger key, in the user's config dir).
      \`rustchain run\` refuses a module without it, with other bytes, or signed by an untrusted key.
    `,
    examples: [
      ['Compile a mission', '$0 compile build.yaml -o build.mission.ts'],
      ['Ship it as one file', '$0 compile build.yaml -o build.mjs --bundle'],
    ],
  });

  /** Output file. */
  out = Option.String('-o,--out', { required: true, description: 'Output file (.mission.ts, or .mjs with --bundle)' });

  /** Bundle core and plugins into one runnable .mjs. */
  bundle = Option.Boolean('--bundle', false, { description: 'Write a self-contained .mjs (core and plugins inlined) instead of a module' });

  /** The mission file (.yaml, .yml or .json). */
  file = Option.String({ name: 'file' });

  override async run(): Promise<number> {
    if (this.out.trim() === '') throw new UsageError('-o needs a file name');
    const flags = this.permissionFlags();
    const project = await this.project();
    const cwd = this.cwd();
    const { mission, warnings } = await prepareMission({ file: this.file, project, flags, cwd, strict: this.strict });
    const { compileMission, bundleCompiledModule } = await import('@rustchain/compiler');
    const outFile = resolve(cwd, this.out);
    // With a config, its plugins resolve from the project; without, from the CLI's own packages.
    const resolveFrom = project.configFile === null ? CLI_DIR : project.dir;
    const result = compileMission(mission, project.registry, { outFile, cwd, resolveFrom });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      await printDiagnostics([...warnings, ...result.diagnostics], { json: this.json, ok: false, stdout: this.context.stdout, stderr: this.context.stderr });
      return EXIT.invalid;
    }
    await mkdir(dirname(outFile), { recursive: true });
    if (this.bundle) await bundleCompiledModule(result.code, { outFile, resolveFrom });
    else await writeFile(outFile, result.code);
    const signed = await this.sign(outFile, mission, project);
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ ok: true, out: outFile, bundle: this.bundle, statement: signed.statement, keyId: signed.keyId, diagnostics: warnings }, null, 2)}\n`);
    } else {
      if (warnings.length > 0) await printDiagnostics(warnings, { json: false, ok: true, stdout: this.context.stdout, stderr: this.context.stderr });
      this.context.stdout.write(`compiled ${this.file} -> ${this.out}${this.bundle ? ' (bundle)' : ''}, signed statement ${this.out}.intoto.json (compile key ${signed.keyId})\n`);
    }
    return EXIT.ok;
  }

  /** Writes `<out>.intoto.json`: the signed in-toto statement of the bytes just written (read back, so a bundle is covered as written). */
  private async sign(outFile: string, mission: Mission, project: Project): Promise<{ statement: string; keyId: string }> {
    const core = await import('@rustchain/core');
    const { COMPILER_VERSION } = await import('@rustchain/compiler');
    const bytes = await readFile(outFile);
    const source = relative(dirname(outFile), resolve(this.cwd(), mission.source.file)).split(sep).join('/');
    const plugins = [...new Set(mission.steps.map((s) => s.type))].flatMap((stepType) => {
      const loaded = project.registry.get(stepType);
      return loaded === undefined ? [] : [{ stepType, package: loaded.packageName, version: loaded.version, integrity: loaded.integrity }];
    });
    const statement = core.compileStatement({
      subject: { name: basename(outFile), sha256: createHash('sha256').update(bytes).digest('hex') },
      source: { path: source.startsWith('.') ? source : `./${source}`, sha256: mission.source.sha256 },
      plugins,
      compiler: { name: '@rustchain/compiler', version: COMPILER_VERSION },
      bundle: this.bundle,
    });
    const { envelope, keyId } = await core.signCompileStatement(project.stateDir, statement);
    const statementFile = core.statementPathFor(outFile);
    await writeFile(statementFile, `${JSON.stringify(envelope, null, 2)}\n`);
    return { statement: statementFile, keyId };
  }
}
