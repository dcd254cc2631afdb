import type { Writable } from 'node:stream';
import type { Project } from '@rustchain/core';
import { recordRefusal } from './record-refusal.ts';
import { printDiagnostics } from './report/diagnostics.ts';

/** What `rustchain run` learnt of a module's signed statement, as its `run.artifact` records it. */
export type SignatureRecord = Record<string, unknown>;

/**
 * Checks the signed compile statement of a module against the project's trusted compile keys,
 * on the digest of the bytes read (before they are transpiled or imported, so a refused module
 * never runs its top level). A refusal is recorded and thrown (exit 2) unless `allowUnsigned`,
 * which prints it as a warning and records why the module ran anyway. A signed bundle is
 * refused: importing it would run the mission outside this command.
 */
export async function checkCompiledSignature(options: {
  project: Project;
  moduleFile: string;
  /** The module as the user named it, for messages and the ledger. */
  file: string;
  sha256: string;
  allowUnsigned: boolean;
  io: { stdout: Writable; stderr: Writable };
}): Promise<SignatureRecord> {
  const core = await import('@rustchain/core');
  const { project, moduleFile, file } = options;
  const trusted = core.trustedCompileKeys({ stateDir: project.stateDir, entries: project.config.trustedCompileKeys, configFile: project.configFile, configDir: project.dir });
  const check = core.verifyCompiledArtifact(moduleFile, options.sha256, trusted);
  if (check.verified) {
    if ((check.statement.predicate as { bundle?: unknown }).bundle === true) {
      throw new core.DiagnosticsError([{ code: 'E_COMPILED_IMPORT', severity: 'error', message: `${file} is a bundle: run it with \`node ${file}\``, file: moduleFile, line: 1, column: 1 }]);
    }
    return { verified: true, keyId: check.keyId, trustedBy: check.origin, statement: check.statementFile };
  }
  const diagnostic = { code: check.code, severity: 'error' as const, message: check.message, file: moduleFile, line: 1, column: 1 };
  if (!options.allowUnsigned) {
    await recordRefusal(project, file, null, [diagnostic]);
    throw new core.DiagnosticsError([{ ...diagnostic, hint: 'recompile it with `rustchain compile`, trust its signer in config trustedCompileKeys, or pass --allow-unsigned' }]);
  }
  await printDiagnostics([{ ...diagnostic, severity: 'warning' }], { json: false, ok: true, ...options.io });
  return { verified: false, code: check.code, reason: check.message, allowedUnsigned: '--allow-unsigned' };
}
