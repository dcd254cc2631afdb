/**
 * The MCP tool-name form on its own, so the `tool` step can tell an MCP tool from a step type
 * without importing the MCP SDK (client.ts loads it only when an MCP tool is called).
 */

/** `mcp:<server>/<tool>` → its parts; null for a name of another form. */
export function parseMcpToolName(name: string): { server: string; tool: string } | null {
  const match = /^mcp:([A-Za-z0-9_.-]+)\/(.+)$/.exec(name);
  return match ? { server: match[1]!, tool: match[2]! } : null;
}
