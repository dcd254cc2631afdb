import type { ToolCall } from './types.ts';

/** A tool call from its JSON argument text: `arguments` is the object, or null when the text is not a JSON object. */
export function parseArguments(id: string, name: string, text: string): ToolCall {
  let parsed: unknown = null;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    parsed = null;
  }
  const args = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  return { id, name, arguments: args, arguments_text: text };
}
