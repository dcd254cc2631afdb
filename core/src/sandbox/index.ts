/** The sandbox layer: bwrap probe, namespace argv, and the policy's sandbox decision. */
export { probeBwrap, probeBwrapAsync, bwrapArgv } from './bwrap.ts';
export type { BwrapProbe, SandboxSpec } from './bwrap.ts';
export { decideSandbox, defaultSandboxMode } from './mode.ts';
export { onSandboxFallback, sandboxFallbackInput } from './fallback.ts';
export type { SandboxFallback } from './fallback.ts';
export type { SandboxMode, SandboxRequest, SandboxDecision } from './mode.ts';
