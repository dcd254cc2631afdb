/**
 * `@rustchain/plugin-tool/mcp`: the MCP client helpers the `tool` step uses, for other step
 * types that offer MCP tools (agent): list the tools of the configured servers, call one.
 * Every connection goes through the step's ctx (exec for stdio servers, fetch for HTTP ones).
 */
export { McpClients } from './client.ts';
export { parseMcpToolName } from './tool-name.ts';
export type { McpCallResult, McpTool } from './client.ts';
