import type { Mission, Schedule } from '@rustchain/core';

/** Output formats of `rustchain mission plan`. */
export const PLAN_FORMATS = ['text', 'mermaid', 'dot', 'json'] as const;
/** One of PLAN_FORMATS. */
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** The `--format json` document of `mission plan` (fields may be added, never renamed). */
export interface PlanDocument {
  mission: string;
  steps: number;
  order: string[];
  dependencies: Record<string, string[]>;
  waves: string[][];
  criticalPath: string[];
  /** Sum of the timeouts along the critical path: the makespan if every step used its whole timeout. */
  estimatedMakespanSeconds: number;
}

/** The plan as plain data. */
export function planDocument(mission: Mission, schedule: Schedule): PlanDocument {
  return {
    mission: mission.name,
    steps: mission.steps.length,
    order: schedule.order,
    dependencies: Object.fromEntries(mission.steps.map((s) => [s.id, s.dependsOn])),
    waves: schedule.waves,
    criticalPath: schedule.criticalPath,
    estimatedMakespanSeconds: schedule.criticalPathSeconds,
  };
}

/** Renders the plan in one format; every format ends with a newline. */
export function renderPlan(mission: Mission, schedule: Schedule, format: PlanFormat): string {
  const renderers = { text: renderText, mermaid: renderMermaid, dot: renderDot, json: renderJson } satisfies Record<PlanFormat, unknown>;
  return renderers[format](mission, schedule);
}

function renderJson(mission: Mission, schedule: Schedule): string {
  return `${JSON.stringify(planDocument(mission, schedule), null, 2)}\n`;
}

function renderText(mission: Mission, schedule: Schedule): string {
  const types = new Map(mission.steps.map((s) => [s.id, s.type]));
  const lines = [`Mission ${mission.name}: ${mission.steps.length} steps in ${schedule.waves.length} waves`];
  schedule.waves.forEach((wave, i) => {
    lines.push(`  wave ${i + 1}: ${wave.map((id) => `${id} (${types.get(id) ?? '?'})`).join(', ')}`);
  });
  lines.push(`Critical path: ${schedule.criticalPath.join(' -> ') || '(none)'}`);
  lines.push(`Estimated makespan: at most ${schedule.criticalPathSeconds} s (sum of timeouts along the critical path)`);
  return `${lines.join('\n')}\n`;
}

/** Mermaid labels: quotes and angle brackets as entities so ids cannot break the syntax. */
function mermaidLabel(text: string): string {
  return text.replace(/[&"<>#]/g, (ch) => `#${ch.codePointAt(0)}` + ';');
}

function renderMermaid(mission: Mission, schedule: Schedule): string {
  const node = new Map(mission.steps.map((s, i) => [s.id, `s${i}`]));
  const critical = new Set(schedule.criticalPath);
  const lines = ['flowchart TD'];
  for (const step of mission.steps) lines.push(`  ${node.get(step.id)}["${mermaidLabel(step.id)}<br/>${mermaidLabel(step.type)}"]`);
  for (const step of mission.steps) {
    for (const dep of step.dependsOn) lines.push(`  ${node.get(dep)} --> ${node.get(step.id)}`);
  }
  if (critical.size > 0) {
    lines.push('  classDef critical stroke-width:3px,stroke:#d33');
    lines.push(`  class ${schedule.criticalPath.map((id) => node.get(id)).join(',')} critical`);
  }
  return `${lines.join('\n')}\n`;
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function renderDot(mission: Mission, schedule: Schedule): string {
  const critical = new Set(schedule.criticalPath);
  const onPath = new Set(schedule.criticalPath.slice(1).map((id, i) => `${schedule.criticalPath[i]}\u0000${id}`));
  const lines = ['digraph mission {', '  rankdir=LR;', '  node [shape=box];'];
  for (const step of mission.steps) {
    const style = critical.has(step.id) ? ', penwidth=2, color=red' : '';
    lines.push(`  ${dotString(step.id)} [label=${dotString(`${step.id}\n${step.type}`)}${style}];`);
  }
  for (const step of mission.steps) {
    for (const dep of step.dependsOn) {
      const style = onPath.has(`${dep}\u0000${step.id}`) ? ' [penwidth=2, color=red]' : '';
      lines.push(`  ${dotString(dep)} -> ${dotString(step.id)}${style};`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
