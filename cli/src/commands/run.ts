import { resolve } from 'node:path';
import { Command, Option } from 'clipanion';
import { importCompiledModule } from '../compiled-module.ts';
import { checkCompiledSignature, type SignatureRecord } from '../compiled-signature.ts';
import { CLI_DIR } from '../package-dir.ts';
import { policyFor } from '../prepare.ts';
import { recordRefusal } from '../record-refusal.ts';
import { printDiagnostics } from '../report/diagnostics.ts';
import { MissionExecuteCommand } from './mission/execute.ts';

/** A compiled module: `.mission.ts` (or any .ts/.mts/.js/.mjs module). YAML/JSON go to `mission execute`. */
function isCompiledModule(file: string): boolean {
  return /\.(?:[cm]?ts|[cm]?js)$/.test(file);
}

/**
 * `rustchain run <file>`: a mission YAML/JSON runs exactly as `mission execute`; a compiled
 * module is drift-checked, policy-checked and run through the same executor, sinks and
 * reports. Inherits every option of `mission execute` and adds `--allow-drift`.
 */
export class RunCommand extends MissionExecuteCommand {
  static override paths = [['run']];

  static override usage = Command.Usage({
    category: 'Missions',
    description: 'Run a mission file or a compiled mission module (.mission.ts)',
    details: `
      A \`.yaml\`, \`.yml\` or \`.json\` mission runs exactly like \`mission execute\`. A compiled module
      (from \`rustchain compile\`) is hashed before anything of it is imported, and refused (exit 2) when
      the signed statement \`<module>.intoto.json\` that compile wrote beside it is missing
      (E_COMPILED_UNSIGNED), names other bytes (E_COMPILED_DIGEST_MISMATCH: the module was edited), or
      is not signed by a trusted compile key (E_COMPILED_UNTRUSTED_SIGNER; trusted: config
      \`trustedCompileKeys\` plus the local compile key). \`--allow-unsigned\` runs it anyway and the
      ledger records that it ran unsigned and why. The ledger records the module's SHA-256 for every
      run, and \`audit export\` names the module as the subject. It is then refused (exit 2, E_COMPILED_DRIFT) when the plugin versions or
      lockfile integrity it recorded differ from the installed ones, or when its source mission changed
      since compilation — unless \`--allow-drift\`. It is then checked against the policy and run by the
      same executor as YAML: same \`--json\` document, same exit codes.
    `,
    examples: [
      ['Run a compiled mission', '$0 run build.mission.ts --allow-run=npm'],
      ['Run it although its source changed', '$0 run build.mission.ts --allow-drift'],
      ['Run a hand-written module (recorded as unsigned)', '$0 run handmade.mission.ts --allow-unsigned'],
    ],
  });

  /** Run a compiled module whose manifest no longer matches. */
  allowDrift = Option.Boolean('--allow-drift', false, { description: 'Run a compiled module even if its plugins or source changed since compilation' });

  /** Run a compiled module whose signed statement is missing, names other bytes or has an untrusted signer. */
  allowUnsigned = Option.Boolean('--allow-unsigned', false, {
    description: 'Run a compiled module without a valid signed statement from a trusted compile key (recorded in the ledger)',
  });

  override async run(): Promise<number> {
    if (!isCompiledModule(this.file)) return super.run();
    const core = await import('@rustchain/core');
    const flags = this.permissionFlags();
    const project = await this.project();
    const cwd = this.cwd();
    const moduleFile = resolve(cwd, this.file);
    let signature: SignatureRecord = {};
    const { compiled, packages, digest } = await importCompiledModule(moduleFile, CLI_DIR, async (sha256) => {
      signature = await checkCompiledSignature({
        project, moduleFile, file: this.file, sha256, allowUnsigned: this.allowUnsigned, io: { stdout: this.context.stdout, stderr: this.context.stderr },
      });
    });
    // The module runs with the plugins it imports, wherever it is run from; the project (the
    // working directory's config) contributes the policy and the state dir.
    const registry = core.compiledPluginRegistry(compiled, packages);
    const drift = await core.checkCompiledDrift(compiled.manifest, { moduleFile, registry });
    if (drift.length > 0 && !this.allowDrift) throw new core.DiagnosticsError(drift);
    if (drift.length > 0) await printDiagnostics(drift.map((d) => ({ ...d, severity: 'warning' as const })), { json: false, ok: true, stdout: this.context.stdout, stderr: this.context.stderr });
    const mission = compiled.toMission(resolve(moduleFile, '..', compiled.manifest.source.file));
    const policy = await policyFor(project, flags, cwd, { record: true });
    const refusals = core.checkPolicy(mission, registry, policy, { workDir: cwd });
    if (refusals.some((d) => d.severity === 'error')) {
      await recordRefusal(project, this.file, mission, refusals);
      throw new core.DiagnosticsError(refusals.map((d) => ({ ...d, file: this.file })));
    }
    const { compiledArtifact } = await import('../run-state.ts');
    return this.executePrepared({ ...project, registry }, mission, policy, compiledArtifact(moduleFile, digest, signature));
  }
}
