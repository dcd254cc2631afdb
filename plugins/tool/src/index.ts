import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { LEGACY_LOADERS, legacyLoaderClaims, runLegacyLoader } from './legacy-loaders.ts';
import { parseMcpToolName } from './mcp/tool-name.ts';

/**
 * `tool`: the original's `tool` (a name) + `parameters` contract. A tool is either an
 * installed step type (run as a child step `<id>/<tool>`: the policy's step-type and claims
 * checks, params schema, ledger, timeout all apply) or a tool of an MCP server configured in
 * `settings.mcp.servers`, named `mcp:<server>/<tool>` (stdio servers start through
 * ctx.exec.open, HTTP ones are reached through ctx.fetch: the policy judges both).
 */

/** Parameters of a `tool` step. */
const Params = Type.Object(
  {
    tool: Type.String({ minLength: 1, description: 'a step type (create_file, http, command...), an MCP tool `mcp:<server>/<tool>`, or the original\'s csv_loader / json_yaml_loader / html_loader' }),
    parameters: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'the tool\'s parameters (a step type\'s own parameters, or the MCP tool\'s arguments)' })),
    timeout_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'the call\'s own timeout (default: the step\'s)' })),
  },
  { additionalProperties: true },
);

/** Outputs of a `tool` step. */
const Outputs = Type.Object({
  tool: Type.String(),
  kind: Type.Union([Type.Literal('step'), Type.Literal('mcp'), Type.Literal('loader')], { description: 'a step type, an MCP tool, or one of the original\'s document loaders' }),
  output: Type.Record(Type.String(), Type.Unknown(), { description: 'a step type\'s outputs; for MCP: { content, text, structured }' }),
  text: Type.String({ description: 'the tool\'s text: MCP text blocks, or a step\'s stdout/body/content when it has one' }),
});

/** The text a step type's outputs stand for, or ''. */
function textOf(outputs: Record<string, unknown>): string {
  for (const key of ['text', 'stdout', 'body', 'content', 'result']) {
    const value = outputs[key];
    if (typeof value === 'string') return value;
  }
  return '';
}

export default definePlugin({
  type: 'tool',
  description: 'Run a tool by name with parameters: an installed step type (as a child step, under the same policy) or a tool of a configured MCP server (mcp:<server>/<tool>)',
  params: Params,
  outputs: Outputs,
  // A step-type tool uses its own capabilities (judged as a child step); an MCP tool needs a
  // process (stdio server) or the network (HTTP server), judged by ctx.exec / ctx.fetch.
  capabilities: ['exec', 'net'],
  effect: 'side-effect',
  // A step-type tool is claimed as a child step: `policy check` judges its type and its own
  // claims. An MCP tool's process or host comes from settings: judged by the exec/net guards
  // when it runs, before anything is started or sent.
  claims: (params) => {
    if (params.tool.startsWith('mcp:')) return [];
    if (LEGACY_LOADERS.has(params.tool)) return legacyLoaderClaims(params.tool, params.parameters ?? {});
    return [{ kind: 'step', type: params.tool, params: params.parameters ?? {}, pointer: '/parameters' }];
  },
  async run(params, ctx) {
    const args = params.parameters ?? {};
    const timeoutMs = params.timeout_seconds === undefined ? undefined : params.timeout_seconds * 1000;
    const mcp = parseMcpToolName(params.tool);
    if (mcp !== null) {
      // The MCP SDK loads only when an MCP tool is called, not with the plugin.
      const { McpClients } = await import('./mcp/client.ts');
      const clients = new McpClients(ctx, timeoutMs === undefined ? {} : { timeoutMs });
      try {
        const result = await clients.callTool(mcp.server, mcp.tool, args);
        return { tool: params.tool, kind: 'mcp' as const, output: { content: result.content, text: result.text, structured: result.structured }, text: result.text };
      } finally {
        await clients.close();
      }
    }
    if (LEGACY_LOADERS.has(params.tool)) {
      const output = await runLegacyLoader(params.tool, args, ctx, timeoutMs);
      return { tool: params.tool, kind: 'loader' as const, output, text: typeof output['text'] === 'string' ? output['text'] : JSON.stringify(output) };
    }
    if (params.tool.startsWith('mcp:')) {
      throw new PluginError('E_TOOL_UNKNOWN', `"${params.tool}" is not an MCP tool name: use mcp:<server>/<tool>`, { details: { tool: params.tool }, nonRetryable: true });
    }
    // A step type: a child step, named after the tool.
    const output = await ctx.steps.run({ id: params.tool, type: params.tool, params: args, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    return { tool: params.tool, kind: 'step' as const, output, text: textOf(output) };
  },
});
