import { definePlugin, PluginError, Type, type Static, type StepContext } from '@rustchain/core/plugin';
import { CODE_OUTPUTS, CODE_PARAMS, runTool, toolClaims, type CodeOutputs, type ToolSpec, type ToolStep } from '@rustchain/plugin-compile-code';

/**
 * `format_code`: the original's formatters — `cargo fmt`, `gofmt -w .`, `npx prettier --write .`
 * — plus `check: true`, which only reports (`cargo fmt --check`, `gofmt -l .`,
 * `prettier --check .`) and fails with E_CODE_UNFORMATTED listing the files. For node, prettier
 * must be installed in the project (`npx --no-install`: nothing is downloaded); without it the
 * step fails with E_CODE_TOOL_MISSING before running anything.
 */

const Params = Type.Object(
  { ...CODE_PARAMS, check: Type.Optional(Type.Boolean({ default: false, description: 'only report files that need formatting; write nothing' })) },
  { additionalProperties: true },
);
type Params = Static<typeof Params>;

const Outputs = Type.Object({
  ...CODE_OUTPUTS,
  formatted: Type.Boolean({ description: 'the code is formatted now (written, or check found nothing) — the original output' }),
  unformatted_files: Type.Array(Type.String(), { description: 'files a check found unformatted, as the tool names them' }),
});

/** Files each checker names: `Diff in <file>:<line>:` (rustfmt), `[warn] <file>` (prettier), one per line (gofmt -l). */
export function unformattedFiles(language: string, stdout: string, stderr: string): string[] {
  const text = `${stdout}\n${stderr}`;
  const files =
    language === 'rust'
      ? [...text.matchAll(/^Diff in (.+?)(?: at line \d+|:\d+):\s*$/gm)].map((m) => m[1] as string)
      : language === 'node'
        ? [...text.matchAll(/^\[warn\] (.+)$/gm)].map((m) => m[1] as string).filter((f) => !/^Code style issues/.test(f))
        : stdout.split('\n').filter((l) => l.trim() !== '');
  return [...new Set(files)];
}

const fileCount = (language: string) => (stdout: string, stderr: string) => ({ files: unformattedFiles(language, stdout, stderr).length });

const step: ToolStep = {
  type: 'format_code',
  failureCode: 'E_CODE_FORMAT_FAILED',
  access: (p) => ((p as Params).check === true ? 'read' : 'write'),
  spec(language, p): ToolSpec {
    const check = (p as Params).check === true;
    switch (language) {
      case 'rust':
        return check ? { argv: ['cargo', 'fmt', '--check'], counts: fileCount('rust') } : { argv: ['cargo', 'fmt'] };
      case 'go':
        // gofmt -l exits 0 whatever it finds: the file list decides.
        return check ? { argv: ['gofmt', '-l', '.'], counts: fileCount('go'), passed: (code, c) => code === 0 && c?.['files'] === 0 } : { argv: ['gofmt', '-w', '.'] };
      case 'node':
        return { argv: ['npx', '--no-install', 'prettier', check ? '--check' : '--write', '.'], localBin: 'prettier', ...(check ? { counts: fileCount('node') } : {}) };
    }
  },
};

async function run(p: Params, ctx: StepContext): Promise<Static<typeof Outputs>> {
  const check = p.check === true;
  // A check that finds files is its own code; a formatter that crashed is E_CODE_FORMAT_FAILED.
  const out: CodeOutputs = await runTool(step, { ...p, allow_failure: true }, ctx);
  const files = check ? unformattedFiles(out.language, out.stdout, out.stderr) : [];
  const outputs = { ...out, formatted: out.success, unformatted_files: files };
  if (!out.success && p.allow_failure !== true) {
    const unformatted = check && files.length > 0;
    throw new PluginError(unformatted ? 'E_CODE_UNFORMATTED' : 'E_CODE_FORMAT_FAILED', unformatted ? `${files.length} file(s) need formatting` : `\`${out.command.join(' ')}\` exited with status ${out.exit_code}`, {
      details: { outputs, exit_code: out.exit_code, files },
    });
  }
  return outputs;
}

/** The `format_code` step type. */
export default definePlugin({
  type: 'format_code',
  description: 'Formats a project (cargo fmt, gofmt, prettier), or with check: true lists the files that need it.',
  params: Params,
  outputs: Outputs,
  capabilities: ['exec', 'fs.write'],
  effect: 'idempotent',
  claims: (p) => toolClaims(step, p),
  run,
});
