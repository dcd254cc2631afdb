/** @rustchain/compiler public API: missions to type-checked TypeScript modules and bundles. */
export { compileMission, COMPILER_VERSION } from './compile.ts';
export type { CompileOptions, CompileResult } from './compile.ts';
export type { CompilerPluginInfo, CompilerPluginLookup } from './types.ts';
export { bundleCompiledModule } from './bundle.ts';
export { renderPlan, planDocument, PLAN_FORMATS } from './plan.ts';
export type { PlanFormat, PlanDocument } from './plan.ts';
