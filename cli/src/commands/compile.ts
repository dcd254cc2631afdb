import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
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
      nothing else) extended by the same \`--allow-*\` flags; \`--json\` prints the run document.
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
    const { mission, warnings } = await prepareMission({ file: this.file, project, flags, cwd });
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
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ ok: true, out: outFile, bundle: this.bundle, diagnostics: warnings }, null, 2)}\n`);
    } else {
      if (warnings.length > 0) await printDiagnostics(warnings, { json: false, ok: true, stdout: this.context.stdout, stderr: this.context.stderr });
      this.context.stdout.write(`compiled ${this.file} -> ${this.out}${this.bundle ? ' (bundle)' : ''}\n`);
    }
    return EXIT.ok;
  }
}
