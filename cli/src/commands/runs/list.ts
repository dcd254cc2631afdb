import { Command } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';

/** `rustchain runs list`: the runs recorded under the state dir, newest first, with their status. */
export class RunsListCommand extends ProjectCommand {
  static override paths = [['runs', 'list']];

  static override usage = Command.Usage({
    category: 'Runs',
    description: 'List the runs recorded in the state directory with their status (including interrupted ones)',
    details: `
      Every run keeps its state in \`<stateDir>/runs/<runId>/\` (state.json and its journal). A run whose process died while it
      ran (SIGKILL, power loss) is \`interrupted\`: found here (and by the next run) through its pid and
      process start time, and recorded in the audit ledger as \`run.interrupted\`. Resume one with
      \`rustchain mission execute <file> --resume <runId|latest>\`.
    `,
    examples: [
      ['List runs', '$0 runs list'],
      ['As JSON', '$0 runs list --json'],
    ],
  });

  override async run(): Promise<number> {
    const project = await this.project();
    const core = await import('@rustchain/core');
    const { recordInterrupted } = await import('../../run-state.ts');
    await recordInterrupted(project);
    const runs = core.listRunStates(project.stateDir).map((state) => {
      const steps = Object.values(state.steps);
      const count = (status: string) => steps.filter((s) => s.status === status).length;
      return {
        runId: state.runId,
        status: core.effectiveStatus(state),
        mission: state.mission.name,
        file: state.artifact.file,
        kind: state.artifact.kind,
        startedAt: state.startedAt,
        updatedAt: state.updatedAt,
        resumes: state.resumes,
        pid: state.process.pid,
        steps: { total: steps.length, succeeded: count('succeeded'), failed: count('failed'), running: count('running'), pending: count('pending') },
      };
    });
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ stateDir: project.stateDir, runs }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (runs.length === 0) {
      this.context.stdout.write(`no runs under ${project.stateDir}/runs\n`);
      return EXIT.ok;
    }
    const width = Math.max(...runs.map((r) => r.status.length));
    for (const r of runs) {
      const done = `${r.steps.succeeded}/${r.steps.total} steps succeeded`;
      const resumed = r.resumes > 0 ? `, resumed ${r.resumes}×` : '';
      this.context.stdout.write(`${r.runId}  ${r.status.padEnd(width)}  ${r.startedAt}  ${r.mission} (${done}${resumed})\n`);
    }
    return EXIT.ok;
  }
}
