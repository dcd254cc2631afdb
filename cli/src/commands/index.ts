import type { CommandClass } from 'clipanion';
import { CompileCommand } from './compile.ts';
import { CompletionCommand } from './completion.ts';
import { InitCommand } from './init.ts';
import { PluginNewCommand } from './plugin/new.ts';
import { MissionPlanCommand } from './mission/plan.ts';
import { RunCommand } from './run.ts';
import { AuditAnchorCommand } from './audit/anchor.ts';
import { AuditCompareCommand } from './audit/compare.ts';
import { AuditExportCommand } from './audit/export.ts';
import { AuditReportCommand } from './audit/report.ts';
import { AuditVerifyCommand } from './audit/verify.ts';
import { MissionExecuteCommand } from './mission/execute.ts';
import { MissionMigrateCommand } from './mission/migrate.ts';
import { MissionValidateCommand } from './mission/validate.ts';
import { PluginsListCommand } from './plugins/list.ts';
import { PolicyCheckCommand } from './policy/check.ts';
import { RunsListCommand } from './runs/list.ts';
import { WorkerCommand } from './worker.ts';

/**
 * Every rustchain command: the one list the CLI registers. To add a command, write
 * `commands/<noun>/<verb>.ts` (a class extending RustchainCommand, ProjectCommand or
 * PermissionedCommand), then add one import and one entry here. Keep heavy imports (the
 * compiler, core) inside `run()` so start-up stays fast.
 */
export const COMMANDS: readonly CommandClass[] = [
  AuditReportCommand,
  AuditVerifyCommand,
  AuditExportCommand,
  AuditAnchorCommand,
  AuditCompareCommand,
  MissionValidateCommand,
  MissionExecuteCommand,
  MissionMigrateCommand,
  MissionPlanCommand,
  CompileCommand,
  RunCommand,
  PluginsListCommand,
  PolicyCheckCommand,
  RunsListCommand,
  WorkerCommand,
  InitCommand,
  PluginNewCommand,
  CompletionCommand,
];
