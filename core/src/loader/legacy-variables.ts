import type { MissionStep } from '../model/mission.ts';

/**
 * The original RustChain's variables, kept working as explicit templates. The original
 * substituted `{name}` in `create_file` `content` only, from variables earlier steps set:
 * llm and agent `<id>_response`, chain `<id>_result`, rag_query `<id>_context`; `{<id>}` meant
 * `<id>_response` (or `<id>_result`), and `{previous_result}` the alphabetically first
 * `*_response` variable (else the first `*_result`). At load time each such reference to a step
 * of the mission becomes `${{ steps.<id>.outputs.<field> }}`, and the step it names becomes a
 * dependency when it is not one already (the original only saw steps that had run before), so
 * the compiled module and `mission validate` show exactly what is read. Any other `{x}` text,
 * and a reference that would make a cycle, is left as it is.
 */

/** The step types that set variables: the variable suffix and the output it stands for. */
const SOURCES: Readonly<Record<string, { suffix: string; output: string; bare: boolean }>> = {
  llm: { suffix: 'response', output: 'response', bare: true },
  agent: { suffix: 'response', output: 'response', bare: true },
  chain: { suffix: 'result', output: 'result', bare: true },
  rag_query: { suffix: 'context', output: 'context', bare: false },
};

/** A `{name}` not part of `{{ }}` or `${{ }}`. */
const VARIABLE = /(?<![{$])\{([A-Za-z0-9_-]+)\}(?!\})/g;
/** The step ids a template can name. */
const TEMPLATE_ID = /^[A-Za-z0-9_-]+$/;

/** Every step `id` depends on, transitively. */
function ancestors(id: string, byId: ReadonlyMap<string, MissionStep>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.dependsOn ?? []));
  }
  return seen;
}

/** The steps with `create_file` content using the original's variables, rewritten (others returned as they are). */
export function rewriteLegacyVariables(steps: readonly MissionStep[]): MissionStep[] {
  const sources = steps.filter((s) => SOURCES[s.type] !== undefined && TEMPLATE_ID.test(s.id));
  if (sources.length === 0) return [...steps];
  const byId = new Map(steps.map((s) => [s.id, s]));
  return steps.map((step) => {
    const content = step.parameters['content'];
    if (step.type !== 'create_file' || typeof content !== 'string' || !content.includes('{')) return step;
    const upstream = ancestors(step.id, byId);
    // A source that (transitively) depends on this step cannot become its dependency.
    const usable = sources.filter((s) => s.id !== step.id && !ancestors(s.id, byId).has(step.id));
    const names = new Map<string, { id: string; output: string }>();
    for (const s of usable) {
      const source = SOURCES[s.type]!;
      names.set(`${s.id}_${source.suffix}`, { id: s.id, output: source.output });
      if (source.bare && !names.has(s.id)) names.set(s.id, { id: s.id, output: source.output });
    }
    const first = (suffix: string): { id: string; output: string } | undefined => {
      const match = [...names.keys()].filter((n) => n.endsWith(`_${suffix}`) && SOURCES[byId.get(names.get(n)!.id)!.type]?.suffix === suffix).sort()[0];
      return match === undefined ? undefined : names.get(match);
    };
    const previous = first('response') ?? first('result');
    const added: string[] = [];
    const rewritten = content.replace(VARIABLE, (text, name: string) => {
      const target = name === 'previous_result' && !names.has(name) ? previous : names.get(name);
      if (target === undefined) return text;
      if (!upstream.has(target.id) && !added.includes(target.id)) added.push(target.id);
      return `\${{ steps.${target.id}.outputs.${target.output} }}`;
    });
    if (rewritten === content) return step;
    return { ...step, parameters: { ...step.parameters, content: rewritten }, dependsOn: [...step.dependsOn, ...added.filter((d) => !step.dependsOn.includes(d))], hasTemplates: true };
  });
}
