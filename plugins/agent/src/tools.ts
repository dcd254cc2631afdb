import type { StepContext, StepTypeInfo } from '@rustchain/core/plugin';
import type { ToolDefinition } from '@rustchain/plugin-llm/providers';
import { parseMcpToolName } from '@rustchain/plugin-tool/mcp/tool-name';

/** How a tool the model may call runs: a step type directly, or an MCP tool through a `tool` child step. */
type ToolTarget = { kind: 'step'; type: string } | { kind: 'mcp'; qualified: string };

/** The tools an agent may call this run, and the names it asked for that it cannot have. */
export interface AgentTools {
  definitions: ToolDefinition[];
  /** Tool name (as the model sees it) → what runs. */
  targets: ReadonlyMap<string, ToolTarget>;
  /** Named in `tools` but not available: not an installed step type the policy allows, or an MCP tool no server offers. */
  unavailable: string[];
}

/** Provider tool names are `^[A-Za-z0-9_-]{1,64}$`: `mcp:docs/search` is offered as `mcp__docs__search`. */
function mcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/**
 * The tool definitions offered to the model, from the names in `tools`:
 * - a step type the run's policy allows (ctx.steps.list), with its params schema;
 * - `mcp:<server>/<tool>`, or `mcp:<server>` for every tool of a server in settings.mcp.servers,
 *   with the server's input schema (listed through the server, under the policy); it runs as a
 *   `tool` child step, so the `tool` step type must be allowed too.
 * Nothing is offered by default: an agent calls only what the mission names.
 */
export async function agentTools(ctx: Pick<StepContext, 'steps' | 'settings' | 'exec' | 'fetch' | 'env' | 'signal' | 'stepId'>, names: readonly string[]): Promise<AgentTools> {
  const definitions: ToolDefinition[] = [];
  const targets = new Map<string, ToolTarget>();
  const unavailable: string[] = [];
  if (names.length === 0) return { definitions, targets, unavailable };
  const installed = new Map<string, StepTypeInfo>(ctx.steps.list().map((info) => [info.type, info]));
  const mcpWanted: Array<{ name: string; server: string; tool: string | null }> = [];
  for (const name of names) {
    if (name.startsWith('mcp:')) {
      const whole = /^mcp:([A-Za-z0-9_.-]+)$/.exec(name);
      const one = parseMcpToolName(name);
      if (whole !== null) mcpWanted.push({ name, server: whole[1]!, tool: null });
      else if (one !== null) mcpWanted.push({ name, server: one.server, tool: one.tool });
      else unavailable.push(name);
      continue;
    }
    const info = installed.get(name);
    if (info === undefined) {
      unavailable.push(name);
      continue;
    }
    targets.set(name, { kind: 'step', type: name });
    definitions.push({ name, description: `${info.description} (RustChain step type ${name}, effect: ${info.effect})`, parameters: argumentsSchema(info.params) });
  }
  if (mcpWanted.length > 0) {
    if (!installed.has('tool')) {
      unavailable.push(...mcpWanted.map((w) => w.name));
    } else {
      await addMcpTools(ctx, mcpWanted, definitions, targets, unavailable);
    }
  }
  return { definitions, targets, unavailable };
}

/** Lists the named servers' tools (one connection per server, closed after listing). */
async function addMcpTools(
  ctx: Pick<StepContext, 'settings' | 'exec' | 'fetch' | 'env' | 'signal' | 'stepId'>,
  wanted: ReadonlyArray<{ name: string; server: string; tool: string | null }>,
  definitions: ToolDefinition[],
  targets: Map<string, ToolTarget>,
  unavailable: string[],
): Promise<void> {
  // The MCP SDK loads only when the agent is given MCP tools, not with the plugin.
  const { McpClients } = await import('@rustchain/plugin-tool/mcp');
  const clients = new McpClients(ctx);
  try {
    const servers = [...new Set(wanted.map((w) => w.server))].filter((s) => clients.serverNames().includes(s));
    const listed = servers.length === 0 ? [] : await clients.listTools(servers);
    for (const w of wanted) {
      const matching = listed.filter((t) => t.server === w.server && (w.tool === null || t.name === w.tool));
      if (matching.length === 0) unavailable.push(w.name);
      for (const t of matching) {
        const name = mcpToolName(t.server, t.name);
        if (targets.has(name)) continue;
        targets.set(name, { kind: 'mcp', qualified: t.qualified });
        definitions.push({ name, description: `${t.description} (MCP tool ${t.qualified})`.trim(), parameters: argumentsSchema(t.inputSchema) });
      }
    }
  } finally {
    await clients.close();
  }
}

/** A params or input schema as plain JSON (typebox symbols dropped), always an object schema. */
function argumentsSchema(schema: unknown): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(schema ?? {})) as unknown;
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return { type: 'object' };
  const object = plain as Record<string, unknown>;
  return object['type'] === 'object' ? object : { ...object, type: 'object' };
}
