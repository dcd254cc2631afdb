// A node:test reporter for people (`npm test`): one line per test file as it finishes, then every
// failure with its test name, file:line:col, assertion message (expected / actual) and the first
// stack frame in the test file, then the counts. Output the test wrote goes with its file's
// failures only. The last line keeps node's own counters (`# pass N` ... as the TAP reporter
// ends), which scripts/run-tests.mjs reads. Colour with RUSTCHAIN_TEST_COLOR=1 (run-tests sets it
// on a terminal when NO_COLOR is unset). Raw TAP: RUSTCHAIN_TEST_TAP=1 npm test.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const colour = process.env.RUSTCHAIN_TEST_COLOR === '1';
const paint = (code) => (text) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
const red = paint('31');
const green = paint('32');
const yellow = paint('33');
const dim = paint('2');
const bold = paint('1');

/** Most lines of a test's own output shown under a failing file. */
const MAX_OUTPUT_LINES = 40;
/** Most lines of one assertion message (big deep-equal diffs). */
const MAX_MESSAGE_LINES = 30;

const cwd = process.cwd();
const rel = (file) => (file === undefined ? '?' : relative(cwd, file.startsWith('file:') ? fileURLToPath(file) : file));
const seconds = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** The first stack frame inside `file` (where the assertion is), as `path:line:col`. */
function frameIn(stack, file) {
  if (typeof stack !== 'string' || file === undefined) return null;
  for (const line of stack.split('\n')) {
    const match = /\(?((?:file:\/\/)?\/[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (match === null) continue;
    const path = match[1].startsWith('file:') ? fileURLToPath(match[1]) : match[1];
    if (path === file) return `${rel(path)}:${match[2]}:${match[3]}`;
  }
  return null;
}

/** An error (the assertion, or what the test threw) as indented lines. */
function describeError(error, file) {
  const cause = error?.cause && typeof error.cause === 'object' && Object.keys(error.cause).length > 0 ? error.cause : error;
  const lines = [];
  const head = cause?.code === 'ERR_ASSERTION' ? 'AssertionError' : (cause?.name ?? 'Error');
  const text = String(cause?.message ?? error?.message ?? cause ?? 'unknown failure').trimEnd().split('\n');
  lines.push(`${head}: ${text[0]}`, ...text.slice(1, MAX_MESSAGE_LINES));
  if (text.length > MAX_MESSAGE_LINES) lines.push(dim(`… ${text.length - MAX_MESSAGE_LINES} more lines`));
  if (error?.failureType === 'testTimeoutFailure') lines.push('(the test timed out)');
  const at = frameIn(cause?.stack, file);
  if (at !== null) lines.push(dim(`at ${at}`));
  return lines;
}

/** The reporter: an async generator over node:test events. */
export default async function* summaryReporter(source) {
  const files = new Map(); // file → { tests, failed, skipped, durationMs, output: string[] }
  const failures = [];
  const totals = {};
  const names = []; // the suite path of the test being reported, by nesting
  const started = Date.now();
  const fileOf = (data) => {
    const key = data.file ?? '?';
    let entry = files.get(key);
    if (entry === undefined) files.set(key, (entry = { tests: 0, failed: 0, skipped: 0, durationMs: 0, output: [], complete: false, reported: false, printed: false }));
    return entry;
  };

  // A file that failed outside any test (load error, crash, timeout of the whole file): one failure.
  const fileFailed = (data) => {
    const entry = fileOf(data);
    if (entry.failed > 0) return;
    entry.failed += 1;
    failures.push({ file: data.file, where: rel(data.file), title: 'the test file itself (outside any test)', error: data.details?.error });
  };

  let current = null; // the file whose results are arriving
  /** The file's one line, once. */
  function* line(file) {
    const entry = files.get(file);
    if (entry === undefined || entry.printed) return;
    entry.printed = true;
    const notes = [`${entry.tests} tests`, ...(entry.failed > 0 ? [`${entry.failed} failed`] : []), ...(entry.skipped > 0 ? [`${entry.skipped} skipped`] : []), seconds(entry.durationMs)];
    yield `${entry.failed > 0 ? red('✖') : green('✔')} ${rel(file)} ${dim(`(${notes.join(', ')})`)}\n`;
  }
  /** Every result of `file` has arrived. */
  function* done(file) {
    const entry = fileOf({ file });
    entry.reported = true;
    if (entry.complete) yield* line(file);
  }

  for await (const { type, data } of source) {
    switch (type) {
      case 'test:start':
        names[data.nesting] = data.name;
        break;
      case 'test:stdout':
      case 'test:stderr':
        fileOf(data).output.push(...String(data.message).trimEnd().split('\n'));
        break;
      case 'test:pass':
      case 'test:fail': {
        // A file's results arrive together, not always after its completion event: a file's line
        // is printed once both its completion and the start of another file's results were seen.
        if (current !== null && current !== data.file) yield* done(current);
        current = data.file;
        if (data.details?.type === 'suite') {
          if (data.nesting === 0) fileOf(data).durationMs += data.details?.duration_ms ?? 0;
          break;
        }
        if (data.name === data.file) {
          if (type === 'test:fail') fileFailed(data);
          break;
        }
        const entry = fileOf(data);
        if (data.nesting === 0) entry.durationMs += data.details?.duration_ms ?? 0;
        entry.tests += 1;
        if (data.skip !== undefined || data.todo !== undefined) entry.skipped += 1;
        if (type === 'test:fail') {
          entry.failed += 1;
          // Tests cancelled because their parent failed (a hook, a timeout) add nothing a reader can act on.
          if (data.details?.error?.failureType === 'cancelledByParent' && failures.some((f) => f.file === data.file)) break;
          failures.push({ file: data.file, where: `${rel(data.file)}:${data.line ?? '?'}:${data.column ?? '?'}`, title: [...names.slice(0, data.nesting), data.name].join(' › '), error: data.details?.error });
        }
        break;
      }
      case 'test:complete':
        if (data.name === data.file) {
          if (data.details?.passed === false) fileFailed(data);
          const entry = fileOf(data);
          entry.complete = true;
          if (entry.reported) yield* line(data.file);
        }
        break;
      case 'test:diagnostic': {
        const match = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/.exec(data.message);
        if (match !== null && data.nesting === 0) totals[match[1]] = Number(match[2]);
        break;
      }
      default:
        break;
    }
  }

  for (const file of files.keys()) yield* line(file);
  if (failures.length > 0) {
    yield `\n${bold(red(`${failures.length} failure${failures.length === 1 ? '' : 's'}:`))}\n`;
    let n = 0;
    const shownOutput = new Set();
    for (const failure of failures) {
      n += 1;
      yield `\n${bold(`${n}) ${failure.title}`)}\n   ${failure.where}\n`;
      for (const line of describeError(failure.error, failure.file)) yield `   ${line}\n`;
      const output = files.get(failure.file ?? '?')?.output ?? [];
      if (output.length > 0 && !shownOutput.has(failure.file)) {
        shownOutput.add(failure.file);
        yield dim(`   output of ${rel(failure.file)} (last ${Math.min(output.length, MAX_OUTPUT_LINES)} lines):\n`);
        for (const line of output.slice(-MAX_OUTPUT_LINES)) yield dim(`   | ${line}\n`);
      }
    }
  }
  const count = (key) => totals[key] ?? 0;
  const failed = count('fail') + count('cancelled');
  const parts = [
    `${count('pass')} passed`,
    failed > 0 ? red(`${failed} failed`) : `${failed} failed`,
    count('skipped') + count('todo') > 0 ? yellow(`${count('skipped') + count('todo')} skipped`) : '0 skipped',
  ];
  yield `\n${bold(failed > 0 ? red('FAIL') : green('PASS'))} ${files.size} files, ${parts.join(', ')} in ${seconds(totals.duration_ms ?? Date.now() - started)}\n`;
  // For scripts/run-tests.mjs, in the TAP reporter's own words.
  yield `# pass ${count('pass')} # fail ${count('fail')} # cancelled ${count('cancelled')} # skipped ${count('skipped')} # todo ${count('todo')}\n`;
}
