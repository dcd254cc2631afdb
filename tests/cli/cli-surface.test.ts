import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { pickRunId } from '../../cli/src/run-id.ts';
import { cliInProcess } from './in-process.ts';

const exec = promisify(execFile);

/** The CLI surface a new user meets (issue 15): help, mistyped commands and options, run id prefixes, completion. */
describe('CLI surface', () => {
  let root: string;
  const cwd = process.cwd();
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-surface-')));
    await mkdir(join(root, 'project'));
    await writeFile(join(root, 'project', 'package.json'), '{"name":"surface","private":true}');
    await writeFile(join(root, 'project', 'm.yaml'), 'version: "1.0"\nname: m\nsteps:\n  - id: a\n    step_type: noop\n');
    process.env['RUSTCHAIN_HOME'] = join(root, 'state');
    process.chdir(join(root, 'project'));
  });
  after(async () => {
    process.chdir(cwd);
    await rm(root, { recursive: true, force: true });
  });

  it('help shows what each option takes, never #0', async () => {
    const help = await cliInProcess(['--help']);
    assert.equal(help.code, 0);
    assert.doesNotMatch(help.stdout, /#\d/);
    assert.match(help.stdout, /--config <file>/);
    assert.match(help.stdout, /--allow-run\[=<cmd,\.\.\.>\]/);
    const one = await cliInProcess(['mission', 'execute', '--help']);
    assert.doesNotMatch(one.stdout, /#\d/);
    assert.match(one.stdout, /--max-parallel <n>/);
  });

  const suggestions: Array<{ args: string[]; expect: RegExp }> = [
    { args: ['mision', 'validate', 'm.yaml'], expect: /did you mean `rustchain mission validate`\?/ },
    { args: ['mission', 'validat', 'm.yaml'], expect: /did you mean `rustchain mission validate`\?/ },
    { args: ['validate', 'm.yaml'], expect: /did you mean `rustchain mission validate`\?/ },
    { args: ['polcy', 'check'], expect: /did you mean `rustchain policy check`\?/ },
    { args: ['mission'], expect: /mission validate, mission execute/ },
    { args: ['mission', 'validate', '--jsn', 'm.yaml'], expect: /unknown option --jsn .*did you mean --json\?/ },
    { args: ['mission', 'execute', '--max-paralel', '2', 'm.yaml'], expect: /did you mean --max-parallel\?/ },
    { args: ['mission', 'execute', '--allow-run', 'wc', 'm.yaml'], expect: /`--allow-run=wc`/ },
    { args: ['mission', 'execute', 'm.yaml', '--allow-read', 'data'], expect: /`--allow-read=data`/ },
    { args: ['audit', 'export'], expect: /--run <run-id>/ },
    { args: ['completion', 'tcsh'], expect: /bash, zsh, fish/ },
    { args: ['compile', 'm.yaml'], expect: /`rustchain compile` needs -o,--out <file>/ },
    { args: ['run'], expect: /`rustchain run` needs <file>/ },
    { args: ['mission', 'validate', 'm.yaml', 'x.yaml'], expect: /too many arguments: `x\.yaml`; `rustchain mission validate` takes <file>/ },
    { args: ['audit', 'verify', '--since'], expect: /--since needs a value/ },
    { args: ['help', 'mission', 'plan'], expect: /`rustchain mission plan --help`/ },
  ];
  for (const { args, expect } of suggestions) {
    it(`rustchain ${args.join(' ')}: exit 2 with the fix`, async () => {
      const run = await cliInProcess(args);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, expect);
      assert.doesNotMatch(run.stderr, /Command not found/);
    });
  }

  it('diagnostics are coloured when FORCE_COLOR asks, plain under NO_COLOR and in a pipe', async () => {
    await writeFile('typo.yaml', 'version: "1.0"\nname: t\nsteps:\n  - id: a\n    step_type: noop\n    retyr: { attempts: 2 }\n');
    const saved = { force: process.env['FORCE_COLOR'], no: process.env['NO_COLOR'] };
    try {
      delete process.env['NO_COLOR'];
      process.env['FORCE_COLOR'] = '1';
      const coloured = await cliInProcess(['mission', 'validate', 'typo.yaml']);
      assert.equal(coloured.code, 2);
      assert.match(coloured.stderr, /\u001B\[31m/);
      delete process.env['FORCE_COLOR'];
      process.env['NO_COLOR'] = '1';
      const plain = await cliInProcess(['mission', 'validate', 'typo.yaml']);
      assert.doesNotMatch(plain.stderr, /\u001B\[/);
      delete process.env['NO_COLOR'];
      const piped = await cliInProcess(['mission', 'validate', 'typo.yaml']);
      assert.doesNotMatch(piped.stderr, /\u001B\[/);
      assert.match(piped.stderr, /did you mean `retry`\?/);
      assert.match(piped.stderr, /= docs: docs\/errors\.md#e_schema_unknown_field/);
    } finally {
      for (const [name, value] of [['FORCE_COLOR', saved.force], ['NO_COLOR', saved.no]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('a usage error with --json is still one JSON document', async () => {
    const run = await cliInProcess(['mision', 'validate', '--json', 'm.yaml']);
    assert.equal(run.code, 2);
    const doc = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; message: string }> };
    assert.deepEqual(doc.diagnostics.map((d) => d.code), ['E_USAGE']);
    assert.match(doc.diagnostics[0]!.message, /mission validate/);
  });

  it('run ids are accepted by unique prefix (audit export, audit report)', async () => {
    const executed = await cliInProcess(['mission', 'execute', '--json', 'm.yaml']);
    assert.equal(executed.code, 0, executed.stderr);
    const { runId } = JSON.parse(executed.stdout) as { runId: string };
    const exported = await cliInProcess(['audit', 'export', '--run', runId.slice(0, 8)]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /"payloadType"/);
    const report = await cliInProcess(['audit', 'report', '--json', '--run', runId.slice(0, 6)]);
    assert.equal(report.code, 0, report.stderr);
    assert.equal((JSON.parse(report.stdout) as { runs: Array<{ runId: string }> }).runs[0]?.runId, runId);
    const unknown = await cliInProcess(['audit', 'export', '--run', 'ffffffff-none']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /E_AUDIT_RUN_NOT_FOUND/);
  });

  it('an ambiguous prefix lists the candidates; an exact id or a short string passes as is', () => {
    const ids = ['3f2a9c1e-0000', '3f2a77aa-1111', '9b00aa00-2222'];
    assert.equal(pickRunId(ids, '9b00'), '9b00aa00-2222');
    assert.equal(pickRunId(ids, '3f2a9'), '3f2a9c1e-0000');
    assert.equal(pickRunId(ids, '3f2a77aa-1111'), '3f2a77aa-1111');
    assert.equal(pickRunId(ids, 'abc'), 'abc');
    assert.equal(pickRunId(ids, 'latest'), 'latest');
    assert.equal(pickRunId(ids, 'dead'), 'dead');
    assert.throws(() => pickRunId(ids, '3f2a'), (error: Error) => /3f2a9c1e-0000/.test(error.message) && /3f2a77aa-1111/.test(error.message));
  });

  it('bash completion: sourced in bash, it completes commands, subcommands, options and shells', async () => {
    const script = await cliInProcess(['completion', 'bash']);
    assert.equal(script.code, 0, script.stderr);
    const file = join(root, 'rustchain.bash');
    await writeFile(file, script.stdout);
    const complete = async (...words: string[]): Promise<string[]> => {
      const program = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _rustchain; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const { stdout } = await exec('bash', ['-c', program, 'complete', file, 'rustchain', ...words]);
      return stdout.split('\n').filter((w) => w !== '');
    };
    assert.deepEqual(await complete('mis'), ['mission']);
    assert.deepEqual(await complete('mission', ''), ['validate', 'execute', 'migrate', 'plan']);
    assert.deepEqual(await complete('mission', 'val'), ['validate']);
    assert.deepEqual(await complete('mission', 'validate', '--st'), ['--strict']);
    assert.deepEqual(await complete('compile', '--allow-r'), ['--allow-run', '--allow-read']);
    assert.deepEqual(await complete('completion', ''), ['bash', 'zsh', 'fish']);
    assert.ok((await complete('')).includes('policy'));
    // `complete -F` is registered for the command itself.
    const { stdout } = await exec('bash', ['-c', 'source "$1"; complete -p rustchain', 'complete', file]);
    assert.match(stdout, /-F _rustchain rustchain/);
  });

  it('zsh and fish scripts name every command', async () => {
    for (const shell of ['zsh', 'fish']) {
      const script = await cliInProcess(['completion', shell]);
      assert.equal(script.code, 0, script.stderr);
      for (const word of ['mission', 'validate', 'policy', 'audit', 'completion']) assert.match(script.stdout, new RegExp(word));
    }
    const fish = await cliInProcess(['completion', 'fish']);
    assert.match(fish.stdout, /__fish_seen_subcommand_from mission; and __fish_seen_subcommand_from validate' -l strict/);
  });
});
