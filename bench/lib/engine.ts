import type { DefinedPlugin, Mission, MissionStep, Policy, StepTypeLookup } from '@rustchain/core';
import { DEFAULTS } from '@rustchain/core';

/**
 * Loads the engine pieces the workloads drive. They land one by one while the bench is
 * written, so each is looked up by name at run time: a workload whose piece is absent is
 * reported as "not measured: <piece> missing" instead of failing the whole run.
 */

/** The loaded modules, as plain records of exports, plus why any failed to load. */
export interface Engine {
  core: Record<string, unknown>;
  compiler: Record<string, unknown>;
  plugins: Record<string, DefinedPlugin>;
  loadErrors: string[];
}

async function tryImport(specifier: string, errors: string[]): Promise<Record<string, unknown>> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    errors.push(`${specifier}: ${(error as Error).message.split('\n')[0]}`);
    return {};
  }
}

/** Imports core, the compiler and the plugins the workloads use. */
export async function loadEngine(options: { compiler?: boolean } = {}): Promise<Engine> {
  const loadErrors: string[] = [];
  const core = await tryImport('@rustchain/core', loadErrors);
  const compiler = options.compiler === false ? {} : await tryImport('@rustchain/compiler', loadErrors);
  const plugins: Record<string, DefinedPlugin> = {};
  for (const name of ['noop', 'command']) {
    const mod = await tryImport(`@rustchain/plugin-${name}`, loadErrors);
    const plugin = mod['default'] as DefinedPlugin | undefined;
    if (plugin && typeof plugin.run === 'function') plugins[plugin.type] = plugin;
    else if (Object.keys(mod).length > 0) loadErrors.push(`@rustchain/plugin-${name}: no default-exported plugin`);
  }
  return { core, compiler, plugins, loadErrors };
}

/** The export `name` of `mod` when it is a function, else null. */
export function pick<T>(mod: Record<string, unknown>, name: string): T | null {
  const value = mod[name];
  return typeof value === 'function' ? (value as T) : null;
}

/** A Map-backed step-type lookup (the contract tests use too), so no registry is needed. */
export function lookupOf(plugins: readonly DefinedPlugin[]): StepTypeLookup {
  const map = new Map(plugins.map((p) => [p.type, { definition: p }]));
  return {
    get: (type) => map.get(type),
    has: (type) => map.has(type),
    types: () => [...map.keys()].sort(),
  };
}

/** A policy that lets the bench's steps run: any step type, the listed commands, workDir. */
export function benchPolicy(workDir: string, commands: readonly string[] = []): Policy {
  return {
    stepTypes: '*',
    commands: { allow: commands, shell: false },
    fs: { read: [workDir], write: [workDir] },
    net: { allow: [] },
    env: { allow: [] },
  };
}

/** One step as the workloads describe it. */
export interface StepSpec {
  id: string;
  type: string;
  parameters?: Record<string, unknown>;
  dependsOn?: string[];
}

/** A loaded-looking Mission built directly (no YAML), with the loader's defaults. */
export function buildMission(name: string, specs: readonly StepSpec[]): Mission {
  const d = DEFAULTS.retry;
  const steps: MissionStep[] = specs.map((s) => ({
    id: s.id,
    name: s.id,
    type: s.type,
    parameters: s.parameters ?? {},
    dependsOn: s.dependsOn ?? [],
    timeoutSeconds: DEFAULTS.timeoutSeconds,
    continueOnError: false,
    retry: { attempts: d.attempts, delaySeconds: d.delaySeconds, backoff: d.backoff, factor: d.factor, maxDelaySeconds: d.maxDelaySeconds, jitter: d.jitter },
    hasTemplates: false,
  }));
  return {
    source: { file: `${name}.yaml`, sha256: '0'.repeat(64) },
    version: '1.0',
    name,
    description: null,
    config: { failFast: true, timeoutSeconds: DEFAULTS.timeoutSeconds, maxParallelSteps: null },
    vars: {},
    steps,
    sourceMap: {},
  };
}

/** A chain s0 <- s1 <- ... of `n` steps of one type. */
export function chainSpecs(n: number, type: string, parameters: Record<string, unknown> = {}): StepSpec[] {
  return Array.from({ length: n }, (_, i) => ({ id: `s${i}`, type, parameters, dependsOn: i === 0 ? [] : [`s${i - 1}`] }));
}

/** `n` independent steps of one type. */
export function wideSpecs(n: number, type: string, parameters: Record<string, unknown> = {}): StepSpec[] {
  return Array.from({ length: n }, (_, i) => ({ id: `s${i}`, type, parameters }));
}

/** Deterministic PRNG (mulberry32), so every run and every runner sees the same graph. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random DAG: step i depends on 0–3 distinct earlier steps, mostly recent ones. */
export function randomDagSpecs(n: number, type: string, seed = 7): StepSpec[] {
  const rand = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const deps = new Set<string>();
    const k = i === 0 ? 0 : Math.floor(rand() * 4);
    for (let j = 0; j < k; j++) {
      const back = 1 + Math.floor(rand() * Math.min(i, rand() < 0.8 ? 50 : i));
      deps.add(`s${i - back}`);
    }
    return { id: `s${i}`, type, dependsOn: [...deps] };
  });
}
