/**
 * @rustchain/core public API. Hand-written: this file is the whole surface other packages
 * may import. Named exports only; types with `export type`.
 */

// --- errors and diagnostics ---
export { ERROR_CODES, ERROR_CODE_PATTERN, RustchainError, PluginError, DiagnosticsError, isRustchainError, formatDiagnostic, sortDiagnostics } from './errors.ts';
export type { ErrorCode, PluginErrorCode, Severity, SourceLocation, Diagnostic } from './errors.ts';

// --- mission model ---
export { MissionSchema, MissionStepSchema, MissionConfigSchema, RetryPolicySchema, DEFAULTS } from './model/mission.ts';
export type { Mission, MissionStep, RetryPolicy, MissionFile, MissionStepFile, MissionConfigFile, RetryPolicyFile } from './model/mission.ts';

// --- plugin SDK and config ---
export { definePlugin, PLUGIN_MARKER } from './plugin/sdk.ts';
export { shellExitStatus } from './plugin/exit-status.ts';
/** typebox, re-exported so a plugin's params/outputs schemas need no import besides @rustchain/core. */
export { Type } from '@sinclair/typebox';
export type { Static, TSchema } from '@sinclair/typebox';
export type {
  Capability, Effect, ResourceClaim, DirEntry, FsCapability, ExecCapability, ExecResult,
  FetchCapability, FetchResponse, NetCapability, EnvCapability, StepLogger, StepContext, PluginDefinition, DefinedPlugin, StepTypeLookup,
} from './plugin/sdk.ts';
export { defineConfig } from './config/types.ts';
export type { RustchainConfig, PolicyConfig } from './config/types.ts';
export type { Policy } from './policy/types.ts';

// --- run model ---
export type {
  StepStatus, RunStatus, StepError, StepResult, MissionResult, RunEvent, RunEventType, StepRequest, StepDispatcher,
} from './engine/types.ts';

// --- loader and validation ---
export { validateMission, validateMissionText } from './loader/validate.ts';
export type { ValidateOptions, ValidationResult } from './loader/validate.ts';
export { RUSTCHAIN_STEP_TYPES, pluginPackageFor } from './loader/step-types.ts';
export { migrateMissionText } from './loader/migrate.ts';
export { didYouMean } from './loader/suggest.ts';
export type { MigrationResult } from './loader/migrate.ts';

// --- DAG and templates ---
export { computeSchedule, computeIndexedSchedule, findCycle, indexGraph } from './dag/index.ts';
export type { Schedule, ScheduleStep, IndexedSchedule, GraphStep, IndexedGraph } from './dag/index.ts';
export { parseExpression, splitTemplate, scanTemplates, containsTemplate, escapePointerToken, resolveTemplates } from './template/index.ts';
export type { TemplateRef, Segment, TemplateOccurrence, TemplateSyntaxProblem, TemplateScope } from './template/index.ts';

// --- executor ---
export { executeMission, executeStep, createInProcessDispatcher, retryDelayMs, abortableSleep, toStepError } from './engine/index.ts';
export type { ExecuteOptions } from './engine/index.ts';
export { createCallJournal } from './replay/journal.ts';
export type { CallJournal, CallJournalMode, CallJournalOptions } from './replay/journal.ts';

// --- run state and resume ---
export { listRunStates, readRunState, runStatePath, createRunStateRecorder, isRepeatable, reconcileInterrupted, effectiveStatus, findResumeTarget, planResume } from './runs/index.ts';
export type { RunState, RunStateStatus, StepState, StepStateStatus, RunStateRecorder, ResumePlan } from './runs/index.ts';

// --- capabilities (fs, exec, fetch, env guards) ---
export { createStepContext } from './capabilities/context.ts';
export type { StepContextInit } from './capabilities/context.ts';
export { DEFAULT_MAX_READ_BYTES } from './capabilities/fs.ts';
export { DEFAULT_MAX_OUTPUT_BYTES, KILL_GRACE_MS } from './capabilities/exec.ts';
export { settleProcessGroups, trackedGroupCount } from './capabilities/process-groups.ts';

// --- policy ---
export { resolvePolicy } from './policy/resolve.ts';
export { describeGrant, policyGrantedInput } from './policy/grant.ts';
export type { PolicyGrant } from './policy/grant.ts';
export type { PermissionFlags, ResolvePolicyInput } from './policy/resolve.ts';
export { checkPolicy } from './policy/check.ts';
export type { CheckPolicyOptions } from './policy/check.ts';
export { checkPath } from './policy/fs-rules.ts';
export { checkCommand, findExecutable } from './policy/command-rules.ts';
export { loadPolicyFile, parsePolicyText, PolicyFileSchema } from './policy/file.ts';
export type { LoadedPolicyFile, PolicyFile } from './policy/file.ts';
export { checkArgs, argsMatch, globMatch } from './policy/arg-rules.ts';
export type { CommandRule } from './policy/arg-rules.ts';
export { checkLimits } from './policy/limits.ts';
export type { PolicyLimits, LimitViolation } from './policy/limits.ts';
export { probeBwrap, probeBwrapAsync, bwrapArgv, decideSandbox, defaultSandboxMode, onSandboxFallback, sandboxFallbackInput } from './sandbox/index.ts';
export type { BwrapProbe, SandboxSpec, SandboxMode, SandboxRequest, SandboxDecision, SandboxFallback } from './sandbox/index.ts';

// --- network guard (SSRF-safe HTTP client behind ctx.fetch) ---
export { createHttpClient, systemResolver, checkUrl, checkHost, checkResolvedAddress, classifyAddress, parseHttpUrl } from './net/index.ts';
export type { HttpClient, HttpClientOptions, HttpRequestInit, Resolver, ResolvedAddress, ConnectInfo, NetRules, HostRefusal, ClassifiedAddress, HttpTarget } from './net/index.ts';

// --- plugin registry and config loading ---
export { PluginRegistry } from './registry/registry.ts';
export type { LoadedPlugin, PluginPackage } from './registry/registry.ts';
export { FIRST_PARTY_PLUGINS } from './registry/first-party.ts';
export { loadConfig, CONFIG_FILE_NAMES } from './registry/load-config.ts';
export type { LoadedConfig } from './registry/load-config.ts';
export { loadPlugins } from './registry/load-plugins.ts';
export { resolvePackage, SOURCE_CONDITION } from './registry/resolve-package.ts';
export { compiledPluginRegistry } from './registry/compiled-registry.ts';
export { packageIntegrity } from './registry/integrity.ts';
export type { ResolvedPackage } from './registry/resolve-package.ts';
export { loadProject, loadProjectState } from './registry/project.ts';
export type { Project } from './registry/project.ts';

// --- audit ledger ---
export { GENESIS_HASH, AUDIT_EVENT_TYPES } from './audit/types.ts';
export type { AuditEventType, LedgerInput, LedgerEvent, LedgerHead, VerifyProblem, VerifyReport } from './audit/types.ts';
export { openLedger, logAuditEvent } from './audit/ledger.ts';
export type { Ledger, LedgerOptions } from './audit/ledger.ts';
export { createLedgerSink } from './audit/sink.ts';
export type { LedgerSink, LedgerSinkOptions } from './audit/sink.ts';
export { runEventToLedgerInput, currentRunContext, policyDecisionInput, pluginVersionsInput, artifactInput } from './audit/run-events.ts';
export type { RunContext, PolicyDecisionPayload } from './audit/run-events.ts';
export { redactSecrets, REDACTED } from './audit/redact.ts';
export { createSecretRedactor, MIN_SECRET_LENGTH } from './secrets/redactor.ts';
export type { SecretRedactor } from './secrets/redactor.ts';
export { envSecrets, isSecretEnvName, DEFAULT_SECRET_ENV_PATTERN } from './secrets/env.ts';
export { secretParamValues } from './secrets/params.ts';
export { canonicalJson, computeEventHash, digestJson } from './audit/hash.ts';
export { verifyLedger } from './audit/verify.ts';
export type { VerifyOptions, VerifyProgress } from './audit/verify.ts';
export { parseAnchorTarget, publishAnchor, readAnchor, describeAnchor } from './audit/anchor.ts';
export { repairLedger } from './audit/repair.ts';
export type { RepairResult } from './audit/repair.ts';
export { buildAuditReport } from './audit/report.ts';
export type { AuditReport, RunAuditEntry, StepAuditEntry, CallAuditEntry } from './audit/report.ts';
export { renderAuditReport, AUDIT_REPORT_FORMATS } from './audit/render.ts';
export { compareRunCalls, renderCallComparison } from './audit/compare-calls.ts';
export type { AuditReportFormat } from './audit/render.ts';
export { exportAttestation, verifyAttestation, signStatement, preAuthEncoding, IN_TOTO_STATEMENT_TYPE, RUN_PREDICATE_TYPE, IN_TOTO_PAYLOAD_TYPE } from './audit/attestation.ts';
export type { InTotoStatement, DsseEnvelope, AttestationCheck } from './audit/attestation.ts';
export { auditPaths, segmentName, segmentPath } from './audit/paths.ts';
export type { AuditPaths } from './audit/paths.ts';
export { keyPaths, readTrustedPublicKey } from './audit/keys.ts';
export { keyDirFor } from './audit/key-dir.ts';
export { openRunLedger } from './audit/run-ledger.ts';
export type { RunLedger, RunLedgerOptions, CompiledRunArtifact } from './audit/run-ledger.ts';
export {
  COMPILE_PREDICATE_TYPE, compileStatement, signCompileStatement, trustedCompileKeys, verifyCompiledArtifact, statementPathFor, compileKeyPaths, compileKeyFiles,
} from './compiled/signature.ts';
export type { CompileStatementInput, CompileMaterialPlugin, TrustedCompileKey, CompiledSignature, CompiledSignatureCode } from './compiled/signature.ts';

// --- compiled modules ---
export { defineCompiledMission, isCompiledMission, materialiseParameters, checkCompiledDrift, runStandalone, COMPILED_MISSION_MARKER } from './compiled/index.ts';
export type {
  CompiledMission, StandaloneIo, InstalledPluginInfo, InstalledPluginLookup, Templated, ParamsOf, OutputsOf, CompiledPluginRecord,
  CompiledManifest, CompiledSchedule, CompiledStep, CompiledMissionSpec,
} from './compiled/index.ts';
