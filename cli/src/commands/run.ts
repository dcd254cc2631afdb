import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'clipanion';
import type { Mission, MissionResult, Policy, Project, RunEvent } from '@rustchain/core';
import { EXIT } from '../exit-codes.ts';
import type { PermissionFlagValues } from '../options/permissions.ts';
import { printDiagnostics } from '../report/diagnostics.ts';
import { createLineReporter } from '../report/progress-lines.ts';
import { createLiveReporter } from '../report/progress-live.ts';
import { SILENT_REPORTER, type ProgressReporter } from '../report/progress.ts';
import { printRunSummary, runDocument } from '../report/run-result.ts';
import { cancelOnSignals } from '../signals.ts';
import { MissionExecuteCommand } from './mission/execute.ts';

/** Exit code for a finished run that no signal interrupted (as `mission execute`). */
const STATUS_EXIT = { succeeded: EXIT.ok, failed: EXIT.failed, cancelled: EXIT.failed } as const satisfies Record<MissionResult['status'], number>;

/** A compiled module: `.mission.ts` (or any .ts/.mts/.js/.mjs module). YAML/JSON go to `mission execute`. */
function isCompiledModule(file: string): boolean {
  return /\.(?:[cm]?ts|[cm]?js)$/.test(file);
}

/** Flags as core's PermissionFlags (absent flags omitted, as exactOptionalPropertyTypes wants). */
function toPermissionFlags(flags: PermissionFlagValues): import('@rustchain/core').PermissionFlags {
  return {
    allowAll: flags.allowAll,
    ...(flags.allowRun === undefined ? {} : { allowRun: flags.allowRun }),
    ...(flags.allowRead === undefined ? {} : { allowRead: flags.allowRead }),
    ...(flags.allowWrite === undefined ? {} : { allowWrite: flags.allowWrite }),
    ...(flags.allowNet === undefined ? {} : { allowNet: flags.allowNet }),
    ...(flags.allowEnv === undefined ? {} : { allowEnv: flags.allowEnv }),
  };
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
      (from \`rustchain compile\`) is refused (exit 2, E_COMPILED_DRIFT) when the plugin versions or
      lockfile integrity it recorded differ from the installed ones, or when its source mission changed
      since compilation — unless \`--allow-drift\`. It is then checked against the policy and run by the
      same executor as YAML: same \`--json\` document, same exit codes.
    `,
    examples: [
      ['Run a compiled mission', '$0 run build.mission.ts --allow-run=npm'],
      ['Run it although its source changed', '$0 run build.mission.ts --allow-drift'],
    ],
  });

  /** Run a compiled module whose manifest no longer matches. */
  allowDrift = Option.Boolean('--allow-drift', false, { description: 'Run a compiled module even if its plugins or source changed since compilation' });

  override async run(): Promise<number> {
    if (!isCompiledModule(this.file)) return super.run();
    const core = await import('@rustchain/core');
    const flags = this.permissionFlags();
    const project = await this.project();
    const cwd = this.cwd();
    const moduleFile = resolve(cwd, this.file);
    const imported = (await import(pathToFileURL(moduleFile).href)) as { default?: unknown };
    if (!core.isCompiledMission(imported.default)) {
      throw new core.DiagnosticsError([
        { code: 'E_USAGE', severity: 'error', message: 'not a compiled mission module (no defineCompiledMission default export)', file: this.file, line: 1, column: 1 },
      ]);
    }
    const compiled = imported.default;
    const drift = await core.checkCompiledDrift(compiled.manifest, { moduleFile, registry: project.registry });
    if (drift.length > 0 && !this.allowDrift) throw new core.DiagnosticsError(drift);
    if (drift.length > 0) await printDiagnostics(drift.map((d) => ({ ...d, severity: 'warning' as const })), { json: false, ok: true, stdout: this.context.stdout, stderr: this.context.stderr });
    const mission = compiled.toMission(resolve(moduleFile, '..', compiled.manifest.source.file));
    const policy = core.resolvePolicy({
      cwd,
      config: project.config.policy,
      configDir: project.dir,
      hasConfigFile: project.configFile !== null,
      flags: toPermissionFlags(flags),
      stateDir: project.stateDir,
    });
    const refusals = core.checkPolicy(mission, project.registry, policy, { workDir: cwd });
    if (refusals.some((d) => d.severity === 'error')) throw new core.DiagnosticsError(refusals.map((d) => ({ ...d, file: this.file })));
    return this.executeCompiled(project, mission, policy);
  }

  /** The run half of `mission execute`, on a mission that came from a compiled module. */
  private async executeCompiled(project: Project, mission: Mission, policy: Policy): Promise<number> {
    const { executeMission } = await import('@rustchain/core');
    const { openRunSinks } = await import('../run-sinks.ts');
    const maxParallel = this.maxParallel === undefined ? undefined : Number(this.maxParallel);
    if (maxParallel !== undefined && (!Number.isInteger(maxParallel) || maxParallel < 1)) {
      throw Object.assign(new Error(`--max-parallel must be a positive integer, got \`${this.maxParallel}\``), { clipanion: { type: 'usage' } });
    }
    const sinks = await openRunSinks({ project, logLevel: this.logLevel, mission });
    const reporter = this.compiledReporter(mission.steps.map((step) => step.id));
    const signals = cancelOnSignals();
    let result: MissionResult;
    try {
      result = await executeMission(mission, {
        registry: project.registry,
        policy,
        workDir: this.cwd(),
        runId: sinks.runId,
        signal: signals.signal,
        ...(maxParallel === undefined ? {} : { maxParallelSteps: maxParallel }),
        onEvent: (event: RunEvent) => {
          sinks.onEvent(event);
          reporter.onEvent(event);
        },
      });
    } finally {
      signals.dispose();
      reporter.finish();
      await sinks.close();
    }
    if (this.json) this.context.stdout.write(`${JSON.stringify(runDocument(result), null, 2)}\n`);
    else printRunSummary(result, this.context.stdout);
    return signals.exitCode() ?? STATUS_EXIT[result.status];
  }

  /** Same choice as `mission execute`: nothing with --json, live on a terminal, else lines. */
  private compiledReporter(stepIds: readonly string[]): ProgressReporter {
    if (this.json) return SILENT_REPORTER;
    const stderr = this.context.stderr as NodeJS.WriteStream;
    return stderr.isTTY === true && process.env['CI'] === undefined ? createLiveReporter(stderr, stepIds) : createLineReporter(stderr);
  }
}
