import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Diagnostic, ErrorCode, PolicyConfig } from '@rustchain/core';
import type { PermissionFlagValues } from './options/permissions.ts';

/** Where a policy came from: the config's `policy` section or a `--policy` file. */
export interface PolicySource {
  policy: PolicyConfig;
  /** Relative entries resolve against this directory (the file's). */
  baseDir: string;
  /** The config or policy file. */
  file: string;
  /** Pointer of the policy inside that file: `/policy` in a config, '' for a policy file. */
  pointerBase: string;
}

/** What the checks need besides the policy: installed step types and a typo finder. */
export interface PolicyLintContext {
  stepTypes: readonly string[];
  didYouMean(word: string, candidates: Iterable<string>): string | null;
  env?: NodeJS.ProcessEnv;
}

/** True when `name` is an executable file somewhere on PATH. */
function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * Finds where an entry is written in the file (its first quoted occurrence), so a warning
 * about a TypeScript config points at the line; 1:1 when it cannot be found.
 */
function locator(file: string): (value: string) => { line: number; column: number } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // a position of 1:1 then
  }
  return (value) => {
    const quoted = [`'${value}'`, `"${value}"`, value].map((q) => text.indexOf(q)).filter((i) => i !== -1);
    if (quoted.length === 0) return { line: 1, column: 1 };
    const offset = Math.min(...quoted);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    return { line, column: offset - before.lastIndexOf('\n') };
  };
}

/**
 * Problems of a policy that parses but cannot do what it says (`policy check` without a
 * mission): roots that do not exist (they grant nothing), rules for commands the policy does
 * not allow, step types not installed, commands not on PATH, URLs where host patterns belong.
 * Unknown keys are refused earlier, when the config or policy file is loaded. All warnings:
 * the policy still works, it just does not mean what its author thought.
 */
export function lintPolicy(source: PolicySource | null, flags: PermissionFlagValues, context: PolicyLintContext): Diagnostic[] {
  const env = context.env ?? process.env;
  const out: Diagnostic[] = [];
  const warn = (code: ErrorCode, file: string, at: { line: number; column: number }, pointer: string, message: string, hint: string): void => {
    out.push({ code, severity: 'warning', message, file, line: at.line, column: at.column, pointer, hint });
  };
  const allowed = (name: string): boolean => {
    const configured = source?.policy.commands?.allow ?? [];
    if (configured === '*' || flags.allowAll || flags.allowRun === true) return true;
    return configured.includes(name) || (flags.allowRun ?? []).includes(name);
  };

  if (source !== null) {
    const { policy, baseDir, file, pointerBase } = source;
    const where = locator(file);
    for (const kind of ['read', 'write'] as const) {
      (policy.fs?.[kind] ?? []).forEach((entry, i) => {
        if (existsSync(resolve(baseDir, entry))) return;
        warn('E_POLICY_ROOT_MISSING', file, where(entry), `${pointerBase}/fs/${kind}/${i}`, `the ${kind} root \`${entry}\` does not exist (${resolve(baseDir, entry)}), so it grants nothing`, 'create it, or fix the path; relative paths are relative to this file');
      });
    }
    const stepTypes = policy.stepTypes;
    if (Array.isArray(stepTypes)) {
      stepTypes.forEach((type, i) => {
        if (context.stepTypes.includes(type)) return;
        const guess = context.didYouMean(type, context.stepTypes);
        warn('E_POLICY_RULE_UNREACHABLE', file, where(type), `${pointerBase}/stepTypes/${i}`, `step type \`${type}\` is not installed, so this entry allows nothing`, guess === null ? 'installed step types: `rustchain plugins list`' : `did you mean \`${guess}\`?`);
      });
    }
    const allow = policy.commands?.allow;
    if (Array.isArray(allow)) {
      allow.forEach((entry, i) => {
        const missing = entry.includes('/') ? !existsSync(isAbsolute(entry) ? entry : resolve(baseDir, entry)) : !onPath(entry, env);
        if (!missing) return;
        warn('E_POLICY_RULE_UNREACHABLE', file, where(entry), `${pointerBase}/commands/allow/${i}`, entry.includes('/') ? `command \`${entry}\` does not exist` : `command \`${entry}\` is not on PATH`, 'install it, or remove the entry');
      });
    }
    (policy.commands?.rules ?? []).forEach((rule, i) => {
      if (!allowed(rule.command)) {
        warn('E_POLICY_RULE_UNREACHABLE', file, where(rule.command), `${pointerBase}/commands/rules/${i}/command`, `the argument rule for \`${rule.command}\` never applies: \`${rule.command}\` is not in commands.allow`, `add \`${rule.command}\` to commands.allow, or run with --allow-run=${rule.command}`);
      } else if (rule.args.length === 0) {
        warn('E_POLICY_RULE_UNREACHABLE', file, where(rule.command), `${pointerBase}/commands/rules/${i}/args`, `the rule for \`${rule.command}\` lists no argument patterns, so \`${rule.command}\` can never run`, "add patterns (e.g. 'status', 'log *'), or remove the command from commands.allow");
      }
    });
    const net = policy.net?.allow;
    if (Array.isArray(net)) {
      net.forEach((entry, i) => {
        const port = /:([^:]*)$/.exec(entry)?.[1];
        if (entry.includes('/')) {
          const host = entry.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] ?? entry;
          warn('E_POLICY_RULE_UNREACHABLE', file, where(entry), `${pointerBase}/net/allow/${i}`, `\`${entry}\` is a URL; net.allow takes host or host:port patterns, so it matches no host`, `write \`${host}\``);
        } else if (port !== undefined && port !== '*' && !/^\d{1,5}$/.test(port)) {
          warn('E_POLICY_RULE_UNREACHABLE', file, where(entry), `${pointerBase}/net/allow/${i}`, `\`${entry}\`: the port \`${port}\` is not a number, so it matches no connection`, 'write host or host:port, e.g. api.example.com:443');
        }
      });
    }
  }

  for (const [flag, value] of [['--allow-read', flags.allowRead], ['--allow-write', flags.allowWrite]] as const) {
    if (!Array.isArray(value)) continue;
    for (const entry of value) {
      if (!existsSync(entry)) warn('E_POLICY_ROOT_MISSING', '', { line: 0, column: 0 }, '', `${flag}=${entry}: the path does not exist, so it grants nothing`, 'create it, or fix the path');
    }
  }
  if (Array.isArray(flags.allowRun)) {
    for (const entry of flags.allowRun) {
      if (!entry.includes('/') && !onPath(entry, env)) warn('E_POLICY_RULE_UNREACHABLE', '', { line: 0, column: 0 }, '', `--allow-run=${entry}: \`${entry}\` is not on PATH`, 'install it, or fix the name');
    }
  }
  return out;
}
