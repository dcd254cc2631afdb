/** Runtime support for compiled mission modules (re-exported by core's public index). */
export { defineCompiledMission, isCompiledMission } from './define.ts';
export type { CompiledMission } from './define.ts';
export { materialiseParameters } from './accessor.ts';
export { checkCompiledDrift } from './drift.ts';
export { runStandalone } from './standalone.ts';
export type { StandaloneIo } from './standalone.ts';
export type { InstalledPluginInfo, InstalledPluginLookup } from './drift.ts';
export { COMPILED_MISSION_MARKER } from './types.ts';
export type {
  Templated, ParamsOf, OutputsOf, CompiledPluginRecord, CompiledManifest, CompiledSchedule, CompiledStep, CompiledMissionSpec,
} from './types.ts';
