import { isRustchainError, PluginError, type StepContext } from '@rustchain/core/plugin';
import { chat, type ChatMessage, type ChatRequest, type ToolCall, type Usage } from '@rustchain/plugin-llm/providers';
import type { AgentTools } from './tools.ts';

/** A tool result longer than this is cut before it goes back to the model (the child's outputs stay whole in its own result). */
const MAX_TOOL_RESULT_CHARS = 16_000;

/** One tool call the agent made, as its `tool_calls` output lists it. */
interface AgentToolCall {
  /** The provider's call id. */
  id: string;
  name: string;
  arguments: Record<string, unknown> | null;
  /** The child step that ran it (`<agent step>/<name>-<n>`), null when none ran (unknown tool, bad arguments). */
  step_id: string | null;
  status: 'succeeded' | 'failed';
  error: { code: string; message: string } | null;
}

/** What the loop ends with. */
export interface AgentRun {
  response: string;
  iterations: number;
  tool_calls: AgentToolCall[];
  usage: Usage;
  cost?: number;
  provider: string;
  model: string;
  finish_reason: string;
}

/** The loop's inputs besides ctx. */
export interface AgentLoopInput {
  /** The first user message: the objective (and the context file, if any). */
  task: string;
  system: string;
  tools: AgentTools;
  maxIterations: number;
  maxToolCalls: number;
  /** Provider selection and sampling, passed to every chat call. */
  chat: Omit<ChatRequest, 'messages' | 'system' | 'tools'>;
}

/**
 * The tool-calling loop: ask the model (in its provider's native tool format, through the
 * shared providers module), run each tool call it makes as a child step, send the results
 * back, until it answers without a tool call. A tool call that fails — refused by the policy,
 * bad arguments, the step's own error — goes back to the model as a tool error, never fails
 * the agent; cancellation and provider errors do.
 */
export async function runAgentLoop(ctx: Pick<StepContext, 'fetch' | 'env' | 'settings' | 'signal' | 'budget' | 'steps' | 'stepId' | 'log' | 'progress'>, input: AgentLoopInput): Promise<AgentRun> {
  const messages: ChatMessage[] = [{ role: 'user', content: input.task }];
  const calls: AgentToolCall[] = [];
  const usage: Usage = { input_tokens: 0, output_tokens: 0 };
  let cost: number | undefined;
  for (let iteration = 1; iteration <= input.maxIterations; iteration++) {
    ctx.progress?.(`iteration ${iteration}/${input.maxIterations}: thinking (${calls.length} tool calls so far)`);
    const budgetLeft = input.maxToolCalls - calls.length;
    const offer = budgetLeft > 0 && input.tools.definitions.length > 0;
    const reply = await chat(ctx, {
      ...input.chat,
      system: input.system,
      messages,
      ...(offer ? { tools: input.tools.definitions } : {}),
    });
    usage.input_tokens += reply.usage.input_tokens;
    usage.output_tokens += reply.usage.output_tokens;
    if (reply.cost !== undefined) cost = (cost ?? 0) + reply.cost;
    messages.push(reply.message);
    if (reply.tool_calls.length === 0) {
      return { response: reply.text, iterations: iteration, tool_calls: calls, usage, ...(cost === undefined ? {} : { cost }), provider: reply.provider, model: reply.model, finish_reason: reply.finish_reason };
    }
    for (const call of reply.tool_calls) {
      ctx.progress?.(`iteration ${iteration}/${input.maxIterations}: calling ${call.name}`);
      const made = await runToolCall(ctx, input.tools, call, calls.length + 1, calls.length >= input.maxToolCalls);
      calls.push(made.record);
      messages.push({ role: 'tool', tool_call_id: call.id, name: call.name, content: made.content, ...(made.record.status === 'failed' ? { is_error: true } : {}) });
    }
  }
  throw new PluginError('E_AGENT_MAX_ITERATIONS', `the agent made ${input.maxIterations} model calls without a final answer (max_iterations)`, {
    details: { iterations: input.maxIterations, tool_calls: calls.length, usage },
    nonRetryable: true,
  });
}

/** Runs one tool call as a child step; its outcome as the model will read it. */
async function runToolCall(
  ctx: Pick<StepContext, 'steps' | 'stepId' | 'signal' | 'log'>,
  tools: AgentTools,
  call: ToolCall,
  n: number,
  overBudget: boolean,
): Promise<{ record: AgentToolCall; content: string }> {
  const refuse = (code: string, message: string): { record: AgentToolCall; content: string } => ({
    record: { id: call.id, name: call.name, arguments: call.arguments, step_id: null, status: 'failed', error: { code, message } },
    content: JSON.stringify({ error: { code, message } }),
  });
  if (overBudget) return refuse('E_AGENT_TOOL_BUDGET', 'the agent has used all its tool calls (max_tool_calls); answer with what you have');
  const target = tools.targets.get(call.name);
  if (target === undefined) {
    return refuse('E_AGENT_TOOL_UNKNOWN', `there is no tool "${call.name}"; the tools are: ${[...tools.targets.keys()].join(', ') || 'none'}`);
  }
  if (call.arguments === null) return refuse('E_AGENT_TOOL_ARGUMENTS', `the arguments of ${call.name} must be a JSON object, got: ${call.arguments_text.slice(0, 200)}`);
  const id = `${call.name}-${n}`;
  const stepId = `${ctx.stepId}/${id}`;
  // An MCP tool runs as a `tool` child step naming it: the same policy, ledger and timeout path.
  const child = target.kind === 'step'
    ? { id, type: target.type, params: call.arguments }
    : { id, type: 'tool', params: { tool: target.qualified, parameters: call.arguments } };
  try {
    const outputs = await ctx.steps.run(child);
    return {
      record: { id: call.id, name: call.name, arguments: call.arguments, step_id: stepId, status: 'succeeded', error: null },
      content: truncate(JSON.stringify(outputs)),
    };
  } catch (error) {
    // The agent itself was stopped (timeout, run cancelled): that is not the tool's failure.
    if (ctx.signal.aborted) throw error;
    const code = isRustchainError(error) ? error.code : 'E_AGENT_TOOL_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    ctx.log.warn(`tool call ${call.name} failed`, { code, stepId });
    return {
      record: { id: call.id, name: call.name, arguments: call.arguments, step_id: stepId, status: 'failed', error: { code, message } },
      content: JSON.stringify({ error: { code, message } }),
    };
  }
}

function truncate(text: string): string {
  return text.length <= MAX_TOOL_RESULT_CHARS ? text : `${text.slice(0, MAX_TOOL_RESULT_CHARS)}… [truncated: ${text.length} characters]`;
}
