/**
 * `@rustchain/core/plugin`: the plugin SDK, the only module a step-type package imports.
 * Everything here is stable across minor versions of core; a plugin declares the range it
 * was built against as its `peerDependencies['@rustchain/core']`, and the registry refuses a
 * plugin whose range does not include the running core (E_PLUGIN_INCOMPATIBLE).
 */
export { definePlugin, PLUGIN_MARKER } from './sdk.ts';
export type {
  Capability, Effect, ResourceClaim, DirEntry, FsCapability, ExecCapability, ExecResult, StartOptions, KillResult,
  FetchCapability, FetchResponse, FetchStream, FetchInit, LlmBudget, LlmBudgetReservation, LlmUsage, NetCapability, EnvCapability, DataCapability, StepLogger, StepContext, PluginDefinition, DefinedPlugin,
} from './sdk.ts';
/** Child steps (ctx.steps): what tool, agent and chain run other step types through. */
export type { StepsCapability, StepTypeInfo, ChildStepSpec, SubMissionStep, SubMissionResult, ExecSession } from './sdk.ts';
export { shellExitStatus } from './exit-status.ts';
/** setTimeout as a promise that rejects with the signal's reason on abort (the engine's retry wait). */
export { abortableSleep } from '../engine/retry.ts';
/** The signals ctx.exec.kill accepts (a step type's schema lists the same). */
export { KILL_SIGNALS } from '../capabilities/processes.ts';
/** The loader's hardened YAML/JSON readers (limits, no tags, capped aliases, forbidden keys; errors with line/column). */
export { parseYamlValue, parseJsonValue } from '../loader/read-data.ts';
export type { ReadDataOptions } from '../loader/read-data.ts';
export { PluginError, RustchainError, isRustchainError } from '../errors.ts';
export type { ErrorCode, PluginErrorCode } from '../errors.ts';
/** typebox, re-exported so a plugin's params/outputs schemas need no other import. */
export { Type } from '@sinclair/typebox';
export type { Static, TSchema } from '@sinclair/typebox';
