import { Command, Option, UsageError } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';

/** `rustchain mission plan <file>`: the static schedule, without running anything. */
export class MissionPlanCommand extends ProjectCommand {
  static override paths = [['mission', 'plan']];

  static override usage = Command.Usage({
    category: 'Missions',
    description: 'Show the schedule of a mission: parallel waves, critical path, estimated makespan',
    details: `
      Validates the mission and prints its static plan: the waves of steps that can run in parallel,
      the critical path (the heaviest dependency chain, weighted by timeouts) and the estimated
      makespan (the sum of the timeouts along it: an upper bound). \`--format mermaid\` or \`dot\` draws
      the DAG with the critical path highlighted; \`--format json\` (or \`--json\`) prints it as data.
    `,
    examples: [
      ['Show the plan', '$0 mission plan build.yaml'],
      ['Draw it with Graphviz', '$0 mission plan build.yaml --format dot | dot -Tsvg > plan.svg'],
    ],
  });

  /** text, mermaid, dot or json. */
  format = Option.String('--format', 'text', { description: 'Output format: text, mermaid, dot, json (default text)' });

  /** The mission file (.yaml, .yml or .json). */
  file = Option.String({ name: 'file' });

  override async run(): Promise<number> {
    const { PLAN_FORMATS, renderPlan } = await import('@rustchain/compiler');
    const format = this.json ? 'json' : this.format;
    if (!(PLAN_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${PLAN_FORMATS.join(', ')}`);
    const core = await import('@rustchain/core');
    const project = await this.project();
    const validation = await core.validateMission(this.file, { registry: project.registry });
    if (validation.mission === null || validation.diagnostics.some((d) => d.severity === 'error')) throw new core.DiagnosticsError(validation.diagnostics);
    const mission = validation.mission;
    const schedule = core.computeSchedule(mission.steps.map((s) => ({ id: s.id, dependsOn: s.dependsOn, timeoutSeconds: s.timeoutSeconds })));
    this.context.stdout.write(renderPlan(mission, schedule, format as (typeof PLAN_FORMATS)[number]));
    return EXIT.ok;
  }
}
