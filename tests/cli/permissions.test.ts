import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cli, Command } from 'clipanion';
import { parseGrant, PermissionedCommand, type PermissionFlagValues } from '../../cli/src/options/permissions.ts';

/** A command that only reports the flags it parsed. */
class Probe extends PermissionedCommand {
  static override paths = [['probe']];
  override async run(): Promise<number> {
    return 0;
  }
}

function parse(args: string[]): PermissionFlagValues {
  const command = Cli.from([Probe]).process(['probe', ...args]) as Command as Probe;
  return (command as unknown as { permissionFlags(): PermissionFlagValues }).permissionFlags.call(command);
}

describe('Deno-style permission flags', () => {
  const cases: Array<{ args: string[]; expect: Partial<PermissionFlagValues> }> = [
    { args: [], expect: { allowAll: false, allowRun: undefined, allowNet: undefined } },
    { args: ['--allow-run'], expect: { allowRun: true } },
    { args: ['--allow-run=git,npm'], expect: { allowRun: ['git', 'npm'] } },
    { args: ['--allow-run=git, npm ,'], expect: { allowRun: ['git', 'npm'] } },
    { args: ['--allow-net=example.com:443'], expect: { allowNet: ['example.com:443'] } },
    { args: ['--allow-env=HOME,PATH'], expect: { allowEnv: ['HOME', 'PATH'] } },
    { args: ['--allow-read=/abs/path'], expect: { allowRead: ['/abs/path'] } },
    { args: ['--allow-write=out'], expect: { allowWrite: [`${process.cwd()}/out`] } },
    { args: ['-A'], expect: { allowAll: true } },
    { args: ['--allow-all'], expect: { allowAll: true } },
  ];
  for (const { args, expect } of cases) {
    it(`${args.join(' ') || '(none)'} -> ${JSON.stringify(expect)}`, () => {
      const flags = parse(args);
      for (const [key, value] of Object.entries(expect)) assert.deepEqual(flags[key as keyof PermissionFlagValues], value, key);
    });
  }

  it('a flag without `=` does not swallow the next argument', () => {
    const flags = parse(['--allow-run', '--allow-net']);
    assert.equal(flags.allowRun, true);
    assert.equal(flags.allowNet, true);
  });

  it('an empty list is a usage error', () => {
    assert.throws(() => parseGrant('--allow-run', ''), (error: unknown) => (error as { clipanion?: { type: string } }).clipanion?.type === 'usage');
  });
});
