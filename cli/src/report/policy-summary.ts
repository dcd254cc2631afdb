import type { Policy } from '@rustchain/core';

/** A list as one line: `*` stays `* (any)`, empty is `(none)`. */
function list(value: readonly string[] | '*', any = '* (any)'): string {
  if (value === '*') return any;
  return value.length === 0 ? '(none)' : value.join(', ');
}

/**
 * The effective policy of an invocation (config or `--policy` file, plus flags), as text: what
 * a mission run here may do. `sources` says where it came from.
 */
export function formatPolicy(policy: Policy, sources: string): string {
  const rows: Array<[string, string]> = [
    ['step types', list(policy.stepTypes, '* (any installed)')],
    ['commands', `${list(policy.commands.allow)} (shell: ${policy.commands.shell ? 'yes' : 'no'}, detach: ${policy.commands.detach === true ? 'yes' : 'no'})`],
    ...(policy.commands.rules ?? []).map((rule): [string, string] => ['  args of', `${rule.command}: ${rule.args.length === 0 ? '(none)' : rule.args.map((a) => `'${a}'`).join(' | ')}`]),
    ['read', list(policy.fs.read)],
    ['write', list(policy.fs.write)],
    ['never write', list(policy.fs.deny ?? [])],
    ['never read', list(policy.fs.denyRead ?? [])],
    ['network', list(policy.net.allow, '* (any public host)')],
    ['environment', `${list(policy.env.allow)}${policy.env.secrets === undefined || policy.env.secrets.length === 0 ? '' : ` (secrets: ${policy.env.secrets.join(', ')})`}`],
    ['limits', policy.limits === undefined ? '(none)' : Object.entries(policy.limits).map(([k, v]) => `${k} ${String(v)}`).join(', ') || '(none)'],
    ['sandbox', policy.sandbox ?? 'off'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return `effective policy (${sources}):\n${rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}
