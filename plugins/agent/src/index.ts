import { definePlugin, Type, type ResourceClaim } from '@rustchain/core/plugin';
import { runAgentLoop } from './loop.ts';
import { agentTools } from './tools.ts';

/** The original's default iteration cap. */
const DEFAULT_MAX_ITERATIONS = 10;
/** A context file larger than this is refused (E_FS_TOO_LARGE from ctx.fs): it goes into every model call. */
const MAX_CONTEXT_BYTES = 256 * 1024;

const Params = Type.Object(
  {
    objective: Type.String({ minLength: 1, description: 'what the agent must achieve; its first message to the model' }),
    name: Type.Optional(Type.String({ minLength: 1, description: 'the agent\'s name in its system prompt (default: the step id)' })),
    tools: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200, pattern: '^(?:[A-Za-z0-9_-]+|mcp:[A-Za-z0-9_.-]+(?:/.+)?)$' }), {
      uniqueItems: true,
      description: 'what the agent may call, each call a child step under the policy: step types, mcp:<server>/<tool> or mcp:<server> (all its tools) (default: none)',
    })),
    max_iterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: `model calls at most (default ${DEFAULT_MAX_ITERATIONS}); E_AGENT_MAX_ITERATIONS without a final answer` })),
    max_tool_calls: Type.Optional(Type.Integer({ minimum: 0, description: 'tool calls at most over the whole run (default: 4 per iteration)' })),
    context_file: Type.Optional(Type.String({ minLength: 1, description: 'a text file whose content follows the objective (read under the fs policy)' })),
    provider: Type.Optional(Type.String({ minLength: 1, description: 'openai, anthropic (claude), ollama, shimmy, or one of settings.llm.providers' })),
    model: Type.Optional(Type.String({ minLength: 1 })),
    base_url: Type.Optional(Type.String({ minLength: 1, description: 'the provider\'s API base URL (checked against the network policy)' })),
    system: Type.Optional(Type.String({ description: 'system prompt (default: a short agent prompt naming the agent)' })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1, description: 'output tokens per model call' })),
    timeout_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'deadline of each model call (default 120); the step\'s own timeout bounds the whole loop' })),
    max_retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'retries of a model call on 408/409/429/5xx and connection failures (default 2)' })),
  },
  { additionalProperties: true },
);

const ToolCallOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  arguments: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  step_id: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
});

const Outputs = Type.Object({
  response: Type.String({ description: 'the final answer (the model\'s last reply without a tool call)' }),
  iterations: Type.Integer({ description: 'model calls made' }),
  tool_calls: Type.Array(ToolCallOut),
  usage: Type.Object({ input_tokens: Type.Integer(), output_tokens: Type.Integer() }),
  cost: Type.Optional(Type.Number({ description: 'summed over the model calls, when settings.llm.prices has the model' })),
  provider: Type.String(),
  model: Type.String(),
  finish_reason: Type.String(),
  unavailable_tools: Type.Array(Type.String(), { description: 'names in `tools` that are not step types the policy allows (not offered)' }),
});

const hasTemplate = (value: string): boolean => value.includes('${{');

/** The default system prompt: who the agent is, and that its final answer is a reply without a tool call. */
function systemPrompt(name: string, toolCount: number): string {
  return [
    `You are ${name}, an autonomous agent working toward the objective the user gives you.`,
    toolCount > 0
      ? 'Call the tools you are given when they help; each tool result comes back to you. A tool error tells you what went wrong: adjust, or continue without that tool.'
      : 'You have no tools: reason step by step from what you are given.',
    'When you are done, reply with your final answer as plain text and no tool call.',
  ].join(' ');
}

/** `agent`: a tool-calling loop toward an objective; each tool call is a child step under the policy. */
export default definePlugin({
  type: 'agent',
  description: 'An LLM agent toward an objective: a tool-calling loop whose tool calls run as child steps under the policy',
  params: Params,
  outputs: Outputs,
  // exec and net: listing the tools of MCP servers (stdio servers start through ctx.exec.open).
  capabilities: ['net', 'env', 'fs.read', 'exec'],
  // Its tools may write files or call out: it is never assumed repeatable.
  effect: 'side-effect',
  claims(params) {
    const claims: ResourceClaim[] = [];
    if (params.base_url !== undefined && !hasTemplate(params.base_url)) claims.push({ kind: 'net', url: params.base_url, pointer: '/base_url', schemes: ['http:', 'https:'] });
    if (params.context_file !== undefined && !hasTemplate(params.context_file)) claims.push({ kind: 'read', path: params.context_file, pointer: '/context_file' });
    // No `step` claims for `tools`: a step claim names one concrete child (its parameters are
    // validated), while a tool's arguments come from the model at run time. Each call is judged
    // then, by ctx.steps.run, as a top-level step would be.
    return claims;
  },
  async run(params, ctx) {
    const name = params.name ?? ctx.stepId;
    const tools = await agentTools(ctx, params.tools ?? []);
    if (tools.unavailable.length > 0) ctx.log.warn(`agent ${name}: tools not available (not installed or not allowed by the policy): ${tools.unavailable.join(', ')}`);
    const maxIterations = params.max_iterations ?? DEFAULT_MAX_ITERATIONS;
    let task = params.objective;
    if (params.context_file !== undefined) {
      const context = await ctx.fs.readText(params.context_file, { maxBytes: MAX_CONTEXT_BYTES });
      task = `${task}\n\nContext (${params.context_file}):\n${context}`;
    }
    const result = await runAgentLoop(ctx, {
      task,
      system: params.system ?? systemPrompt(name, tools.definitions.length),
      tools,
      maxIterations,
      maxToolCalls: params.max_tool_calls ?? maxIterations * 4,
      chat: {
        provider: params.provider,
        model: params.model,
        base_url: params.base_url,
        temperature: params.temperature,
        max_tokens: params.max_tokens,
        timeout_ms: params.timeout_seconds === undefined ? undefined : Math.ceil(params.timeout_seconds * 1000),
        max_retries: params.max_retries,
      },
    });
    return { ...result, unavailable_tools: tools.unavailable };
  },
});
