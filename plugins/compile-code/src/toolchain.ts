import {
  isRustchainError, PluginError, shellExitStatus, Type,
  type PluginErrorCode, type ResourceClaim, type Static, type StepContext,
} from '@rustchain/core/plugin';
import { hasLocalBin, lastBytes, notFound, projectDir, toolMissing } from './tools.ts';

/**
 * The runner shared by the code step types (compile_code, run_tests, format_code, lint_code):
 * one language → argv table per step type, run inside `path` through `ctx.exec` (argv only,
 * never a shell), with bounded output tails, counts parsed from what the tool prints, and a
 * failing exit turned into the step type's own error code carrying the outputs.
 */

/** The toolchains the original supported. */
export const LANGUAGES = ['rust', 'go', 'node'] as const;
/** One of LANGUAGES. */
export type Language = (typeof LANGUAGES)[number];

/** Default bound of each of the stdout and stderr tails: 16 KiB. */
export const DEFAULT_TAIL_BYTES = 16 * 1024;

/** The parameters every code step type takes (its own are added to these). */
export const CODE_PARAMS = {
  path: Type.String({ minLength: 1, description: 'the project directory; the tool runs inside it' }),
  language: Type.Optional(
    Type.Union(LANGUAGES.map((l) => Type.Literal(l)), { default: 'rust', description: 'rust (cargo), go or node (npm/npx)' }),
  ),
  args: Type.Optional(Type.Array(Type.String(), { description: 'extra arguments appended to the tool argv (no shell)' })),
  env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'extra environment variables for the tool' })),
  allow_failure: Type.Optional(Type.Boolean({ default: false, description: 'a non-zero exit returns success: false instead of failing the step' })),
  tail_bytes: Type.Optional(Type.Integer({ minimum: 0, default: DEFAULT_TAIL_BYTES, description: 'bound of the stdout and stderr tails' })),
  sandbox: Type.Optional(Type.Union([Type.Literal('bwrap'), Type.Literal('none')], { description: 'run the tool in the bubblewrap sandbox, or opt out' })),
};

/** The outputs every code step type returns. */
export const CODE_OUTPUTS = {
  language: Type.String(),
  command: Type.Array(Type.String(), { description: 'the argv that ran' }),
  exit_code: Type.Integer({ description: '128 + signal number when killed by a signal' }),
  success: Type.Boolean(),
  stdout: Type.String({ description: 'the last tail_bytes of stdout' }),
  stderr: Type.String({ description: 'the last tail_bytes of stderr' }),
  stdout_truncated: Type.Boolean(),
  stderr_truncated: Type.Boolean(),
  duration_ms: Type.Integer(),
  counts: Type.Union([Type.Record(Type.String(), Type.Integer()), Type.Null()], { description: 'what the tool reported (tests passed/failed, errors/warnings, files), null when it reports nothing' }),
};

const CodeParams = Type.Object(CODE_PARAMS);
/** The common parameters, typed. */
export type CodeParams = Static<typeof CodeParams>;
/** The common outputs, typed. */
export type CodeOutputs = Static<ReturnType<typeof Type.Object<typeof CODE_OUTPUTS>>>;

/** How one step type runs one language. */
export interface ToolSpec {
  argv: readonly string[];
  /** A binary an `npx --no-install` argv needs under node_modules/.bin (checked before running). */
  localBin?: string;
  /** Counts from the combined output; null when the tool reports none. */
  counts?(stdout: string, stderr: string): Record<string, number> | null;
  /** Whether the run passed when the exit code alone does not say (gofmt -l exits 0). */
  passed?(exitCode: number, counts: Record<string, number> | null): boolean;
}

/** What a step type declares to the runner. */
export interface ToolStep {
  /** The step type, for messages. */
  type: string;
  /** The code a failed run throws (its outputs in `details.outputs`). */
  failureCode: PluginErrorCode;
  /** Writes inside `path` (build artefacts, formatted files) or only reads. */
  access(params: CodeParams): 'read' | 'write';
  spec(language: Language, params: CodeParams): ToolSpec;
}

/** The argv a step will run (spec argv plus `args`). */
export function toolArgv(step: ToolStep, p: CodeParams): string[] {
  return [...step.spec(p.language ?? 'rust', p).argv, ...(p.args ?? [])];
}

/** Claims: the project directory (read or write) and the exact argv. */
export function toolClaims(step: ToolStep, p: CodeParams): ResourceClaim[] {
  return [
    { kind: step.access(p), path: p.path, pointer: '/path' },
    { kind: 'exec', argv: toolArgv(step, p), pointer: '/language' },
  ];
}

/** Runs the step's tool for `p` and returns its outputs, or throws its failure code. */
export async function runTool(step: ToolStep, p: CodeParams, ctx: StepContext): Promise<CodeOutputs> {
  const language = p.language ?? 'rust';
  if (!(LANGUAGES as readonly string[]).includes(language)) {
    throw new PluginError('E_CODE_LANGUAGE_UNSUPPORTED', `language ${JSON.stringify(language)} is not supported: use ${LANGUAGES.join(', ')}`, {
      details: { language, supported: [...LANGUAGES] },
      nonRetryable: true,
    });
  }
  const spec = step.spec(language, p);
  const argv = toolArgv(step, p);
  const dir = await projectDir(ctx, p.path, step.access(p));
  if (spec.localBin !== undefined && !(await hasLocalBin(ctx, dir, spec.localBin))) throw toolMissing(spec.localBin, language);
  let result;
  try {
    result = await ctx.exec.run(argv, { cwd: dir, ...(p.env ? { env: p.env } : {}), ...(p.sandbox ? { sandbox: p.sandbox } : {}) });
  } catch (error) {
    if (isRustchainError(error) && error.code === 'E_STEP_SPAWN_FAILED' && (error.details as { errno?: string }).errno === 'ENOENT') {
      throw toolMissing(argv[0] as string, language, error);
    }
    throw error;
  }
  const exitCode = shellExitStatus(result.exitCode, result.signal);
  if (notFound(exitCode, result.stderr, argv[0] as string)) throw toolMissing(argv[0] as string, language);
  const counts = spec.counts?.(result.stdout, result.stderr) ?? null;
  const success = spec.passed ? spec.passed(exitCode, counts) : exitCode === 0;
  const max = p.tail_bytes ?? DEFAULT_TAIL_BYTES;
  const out = lastBytes(result.stdout, max);
  const err = lastBytes(result.stderr, max);
  const outputs: CodeOutputs = {
    language,
    command: argv,
    exit_code: exitCode,
    success,
    stdout: out.text,
    stderr: err.text,
    stdout_truncated: out.truncated,
    stderr_truncated: err.truncated,
    duration_ms: Math.round(result.durationMs),
    counts,
  };
  if (!success && p.allow_failure !== true) {
    throw new PluginError(step.failureCode, `${step.type}: \`${argv.join(' ')}\` ${exitCode === 0 ? 'reported problems' : `exited with status ${exitCode}`}`, {
      details: { outputs, exit_code: exitCode, counts },
    });
  }
  return outputs;
}
