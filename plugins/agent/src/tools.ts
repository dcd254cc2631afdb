import type { StepContext, StepTypeInfo } from '@rustchain/core/plugin';
import type { ToolDefinition } from '@rustchain/plugin-llm/providers';

/** The tools an agent may call this run, and the names it asked for that it cannot have. */
export interface AgentTools {
  definitions: ToolDefinition[];
  /** Tool name → step type. */
  types: ReadonlyMap<string, StepTypeInfo>;
  /** Named in `tools` but not an installed step type the policy allows (not offered to the model). */
  unavailable: string[];
}

/**
 * The tool definitions offered to the model: each name in `tools` that is a step type the
 * run's policy allows (ctx.steps.list), with its parameter schema as the arguments schema.
 * Nothing is offered by default: an agent calls only what the mission names.
 */
export function agentTools(ctx: Pick<StepContext, 'steps'>, names: readonly string[]): AgentTools {
  const definitions: ToolDefinition[] = [];
  const types = new Map<string, StepTypeInfo>();
  const unavailable: string[] = [];
  if (names.length === 0) return { definitions, types, unavailable };
  const installed = new Map(ctx.steps.list().map((info) => [info.type, info]));
  for (const name of names) {
    const info = installed.get(name);
    if (info === undefined) {
      unavailable.push(name);
      continue;
    }
    types.set(name, info);
    definitions.push({ name, description: `${info.description} (RustChain step type ${name}, effect: ${info.effect})`, parameters: argumentsSchema(info.params) });
  }
  return { definitions, types, unavailable };
}

/** The step's params schema as plain JSON (typebox symbols dropped), always an object schema. */
function argumentsSchema(schema: unknown): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(schema ?? {})) as unknown;
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return { type: 'object' };
  const object = plain as Record<string, unknown>;
  return object['type'] === 'object' ? object : { ...object, type: 'object' };
}
