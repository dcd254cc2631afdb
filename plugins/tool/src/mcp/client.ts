import { isRustchainError, PluginError, type StepContext } from '@rustchain/core/plugin';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { mcpServers, type McpServerConfig } from './config.ts';
import { policyFetch } from './http-fetch.ts';
import { SessionTransport } from './stdio-transport.ts';

/** One tool an MCP server offers. */
export interface McpTool {
  server: string;
  name: string;
  /** `mcp:<server>/<name>`: how a `tool` step (or an agent) names it. */
  qualified: string;
  description: string;
  /** JSON schema of its arguments. */
  inputSchema: unknown;
}

/** What one MCP tool call returned. */
export interface McpCallResult {
  /** The MCP content blocks as the server sent them. */
  content: unknown[];
  /** The text blocks, joined by newlines. */
  text: string;
  /** `structuredContent`, when the server sent one; else null. */
  structured: unknown;
}

/** Default time an MCP request (initialize, list, call) may take. */
const DEFAULT_TIMEOUT_MS = 60_000;


/**
 * Connections to the configured MCP servers for one step: opened on first use, kept for the
 * step (an agent calls several tools), closed by `close()` (and with the step's signal: a
 * stdio server is a process of the step's group). Stdio servers start through ctx.exec.open,
 * HTTP servers are reached through ctx.fetch: the policy judges both.
 */
export class McpClients {
  private readonly servers: Map<string, McpServerConfig>;
  private readonly clients = new Map<string, Promise<{ client: Client; transport: SessionTransport | StreamableHTTPClientTransport }>>();
  private readonly timeoutMs: number;

  constructor(private readonly ctx: Pick<StepContext, 'settings' | 'exec' | 'fetch' | 'env' | 'signal' | 'stepId'>, options: { timeoutMs?: number } = {}) {
    this.servers = mcpServers(ctx);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Names of the configured servers. */
  serverNames(): string[] {
    return [...this.servers.keys()].sort();
  }

  /** The tools of `servers` (default: every configured server). */
  async listTools(servers: readonly string[] = this.serverNames()): Promise<McpTool[]> {
    const out: McpTool[] = [];
    for (const server of servers) {
      const { client } = await this.connect(server);
      const listed = await this.guard(server, () => client.listTools(undefined, this.requestOptions()));
      for (const t of listed.tools) {
        out.push({ server, name: t.name, qualified: `mcp:${server}/${t.name}`, description: t.description ?? '', inputSchema: t.inputSchema });
      }
    }
    return out;
  }

  /** Calls `tool` on `server`; a result flagged isError fails with E_MCP_TOOL_ERROR. */
  async callTool(server: string, tool: string, args: Record<string, unknown>): Promise<McpCallResult> {
    const { client } = await this.connect(server);
    const result = await this.guard(server, () => client.callTool({ name: tool, arguments: args }, undefined, this.requestOptions()));
    const content = Array.isArray(result.content) ? (result.content as unknown[]) : [];
    const text = content
      .filter((c): c is { type: 'text'; text: string } => typeof c === 'object' && c !== null && (c as { type?: unknown }).type === 'text' && typeof (c as { text?: unknown }).text === 'string')
      .map((c) => c.text)
      .join('\n');
    if (result.isError === true) {
      throw new PluginError('E_MCP_TOOL_ERROR', `MCP tool ${server}/${tool} reported an error: ${text.slice(0, 500)}`, { details: { server, tool, text: text.slice(0, 4000) }, nonRetryable: true });
    }
    return { content, text, structured: result.structuredContent ?? null };
  }

  /** Closes every connection (stops stdio servers); never rejects. */
  async close(): Promise<void> {
    const open = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(open.map(async (p) => {
      try {
        const { client } = await p;
        await client.close();
      } catch {
        // A connection that never opened has nothing to close.
      }
    }));
  }

  private requestOptions(): { signal: AbortSignal; timeout: number } {
    return { signal: this.ctx.signal, timeout: this.timeoutMs };
  }

  private connect(server: string): Promise<{ client: Client; transport: SessionTransport | StreamableHTTPClientTransport }> {
    let pending = this.clients.get(server);
    if (pending === undefined) {
      pending = this.open(server);
      this.clients.set(server, pending);
      // A failed connection is not cached: the next call may try again.
      pending.catch(() => this.clients.delete(server));
    }
    return pending;
  }

  private async open(server: string): Promise<{ client: Client; transport: SessionTransport | StreamableHTTPClientTransport }> {
    const config = this.servers.get(server);
    if (config === undefined) {
      throw new PluginError('E_MCP_SERVER_UNKNOWN', `no MCP server "${server}" is configured (settings.mcp.servers)`, {
        details: { server, configured: this.serverNames() },
        nonRetryable: true,
      });
    }
    const transport = config.kind === 'stdio'
      ? new SessionTransport(() => this.ctx.exec.open(config.command, { ...(config.env ? { env: config.env } : {}), ...(config.cwd ? { cwd: config.cwd } : {}) }))
      : new StreamableHTTPClientTransport(new URL(config.url), {
        fetch: policyFetch(this.ctx, this.timeoutMs),
        requestInit: { headers: this.httpHeaders(config) },
      });
    const client = new Client({ name: 'rustchain', version: '0.1.0' });
    try {
      await this.guard(server, () => client.connect(transport, this.requestOptions()), transport);
    } catch (error) {
      await transport.close().catch(() => {});
      throw error;
    }
    return { client, transport };
  }

  /** The configured headers, plus `Authorization: Bearer <token>` from `token_env` (through ctx.env: the env policy applies). */
  private httpHeaders(config: Extract<McpServerConfig, { kind: 'http' }>): Record<string, string> {
    const headers = { ...config.headers };
    if (config.tokenEnv !== undefined) {
      const token = this.ctx.env.get(config.tokenEnv);
      if (token === undefined || token === '') {
        throw new PluginError('E_MCP_CONFIG', `MCP server "${config.name}": ${config.tokenEnv} (token_env) is not set or not passed by the env policy`, {
          details: { server: config.name, variable: config.tokenEnv },
          nonRetryable: true,
        });
      }
      headers['authorization'] = `Bearer ${token}`;
    }
    return headers;
  }

  /** Runs an MCP exchange; policy refusals and cancellations pass through, protocol failures get E_MCP_* codes. */
  private async guard<T>(server: string, work: () => Promise<T>, transport?: SessionTransport | StreamableHTTPClientTransport): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (this.ctx.signal.aborted) throw this.ctx.signal.reason;
      if (isRustchainError(error)) throw error;
      const cause = (error as { cause?: unknown } | null)?.cause;
      if (isRustchainError(cause)) throw cause;
      const stderr = transport instanceof SessionTransport ? transport.stderr().slice(-2000) : '';
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        throw new PluginError('E_MCP_TIMEOUT', `MCP server "${server}" did not answer within ${this.timeoutMs} ms`, { details: { server, timeoutMs: this.timeoutMs }, cause: error });
      }
      if (error instanceof McpError) {
        throw new PluginError('E_MCP_PROTOCOL', `MCP server "${server}": ${error.message}`, { details: { server, mcpCode: error.code, ...(stderr ? { stderr } : {}) }, cause: error });
      }
      throw new PluginError('E_MCP_CONNECT', `MCP server "${server}" failed: ${error instanceof Error ? error.message : String(error)}`, {
        details: { server, ...(stderr ? { stderr } : {}) },
        cause: error,
      });
    }
  }
}
