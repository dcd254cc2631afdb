import { PluginError, type StepContext } from '@rustchain/core/plugin';

/**
 * The MCP servers a project configures in rustchain.config `settings.mcp.servers`:
 * `{ <name>: { command: [argv...], env?: {...}, cwd?: string } | { url: "http(s)://...", headers?: {...}, token_env?: NAME } }`
 * (`token_env`: the variable holding a bearer token, read through ctx.env, so the env policy
 * decides and the token never sits in the config file).
 * Settings say which servers exist; the policy still decides whether their command may run
 * (ctx.exec) or their host may be reached (ctx.fetch).
 */

/** One configured server. */
export type McpServerConfig =
  | { name: string; kind: 'stdio'; command: string[]; env?: Record<string, string>; cwd?: string }
  | { name: string; kind: 'http'; url: string; headers?: Record<string, string>; tokenEnv?: string };

/** The servers of `settings.mcp.servers`, by name (empty when none are configured). */
export function mcpServers(ctx: Pick<StepContext, 'settings'>): Map<string, McpServerConfig> {
  const settings = ctx.settings('mcp');
  const out = new Map<string, McpServerConfig>();
  if (settings === undefined || settings === null) return out;
  const servers = isRecord(settings) ? settings['servers'] : undefined;
  if (servers === undefined) return out;
  if (!isRecord(servers)) throw configError('settings.mcp.servers must be a mapping of server name to { command } or { url }', 'servers');
  for (const [name, raw] of Object.entries(servers)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw configError(`MCP server name "${name}" may only use letters, digits, _ . -`, name);
    if (!isRecord(raw)) throw configError(`settings.mcp.servers.${name} must be a mapping`, name);
    const env = stringMap(raw['env'], `${name}.env`);
    const headers = stringMap(raw['headers'], `${name}.headers`);
    if (raw['command'] !== undefined) {
      const command = raw['command'];
      if (!Array.isArray(command) || command.length === 0 || command.some((a) => typeof a !== 'string' || a === '')) {
        throw configError(`settings.mcp.servers.${name}.command must be a non-empty argv list of strings (no shell)`, name);
      }
      const cwd = raw['cwd'];
      if (cwd !== undefined && typeof cwd !== 'string') throw configError(`settings.mcp.servers.${name}.cwd must be a string`, name);
      out.set(name, { name, kind: 'stdio', command: command as string[], ...(env ? { env } : {}), ...(typeof cwd === 'string' ? { cwd } : {}) });
    } else if (typeof raw['url'] === 'string') {
      const url = raw['url'];
      if (!/^https?:\/\//i.test(url)) throw configError(`settings.mcp.servers.${name}.url must be an http(s) URL (streamable HTTP)`, name);
      const tokenEnv = raw['token_env'];
      if (tokenEnv !== undefined && (typeof tokenEnv !== 'string' || tokenEnv === '')) throw configError(`settings.mcp.servers.${name}.token_env must name an environment variable`, name);
      out.set(name, { name, kind: 'http', url, ...(headers ? { headers } : {}), ...(typeof tokenEnv === 'string' ? { tokenEnv } : {}) });
    } else {
      throw configError(`settings.mcp.servers.${name} needs \`command\` (stdio) or \`url\` (streamable HTTP)`, name);
    }
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'string')) throw configError(`settings.mcp.servers.${where} must map names to strings`, where);
  return value as Record<string, string>;
}

function configError(message: string, server: string): PluginError {
  return new PluginError('E_MCP_CONFIG', message, { details: { server }, nonRetryable: true });
}
