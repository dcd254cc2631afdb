/**
 * `rustchain audit report --format html`: a real run through the CLI, its report written with
 * `-o`, then opened in headless Chromium (Debian `chromium`, driven by playwright-core) and
 * checked through the DOM: step rows, Gantt bars ordered by start, the critical path marked,
 * the ledger verification status; plus a screenshot. Skips, saying why, when Chromium is absent
 * or cannot start.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import type { MissionResult } from '@rustchain/core';
import { json, runCli, tempProject } from './harness.ts';

const CHROMIUM = '/usr/bin/chromium';

// prep → build is the long chain (the critical path); quick → lint runs beside it.
const MISSION = `version: "1.0"
name: report-me
steps:
  - id: prep
    step_type: command
    parameters: { command: sleep, args: ["0.4"] }
  - id: quick
    step_type: command
    parameters: { command: sleep, args: ["0.05"] }
  - id: lint
    step_type: command
    depends_on: [quick]
    parameters: { command: sleep, args: ["0.05"] }
  - id: build
    step_type: command
    depends_on: [prep]
    parameters: { command: sleep, args: ["0.4"] }
  - id: ship
    step_type: noop
    depends_on: [build, lint]
`;

/** Launches Chromium, or returns why it cannot. */
async function launch(): Promise<{ browser: import('playwright-core').Browser } | { skip: string }> {
  if (!existsSync(CHROMIUM)) return { skip: `${CHROMIUM} not installed (apt-get install chromium)` };
  try {
    const { chromium } = await import('playwright-core');
    return { browser: await chromium.launch({ executablePath: CHROMIUM }) };
  } catch (error) {
    return { skip: `chromium cannot start: ${(error as Error).message.split('\n')[0] ?? ''}` };
  }
}

test('audit report --format html: DAG, Gantt ordered by start, critical path, verify status, in headless Chromium', async (t) => {
  const project = await tempProject({ 'report-me.yaml': MISSION });
  t.after(() => project.cleanup());
  const options = { cwd: project.dir, home: project.home };
  const run = await runCli(['mission', 'execute', '--json', '--allow-run=sleep', 'report-me.yaml'], options);
  assert.equal(run.code, 0, run.stderr);
  const { runId } = json<MissionResult>(run);

  const out = join(project.dir, 'report.html');
  const report = await runCli(['audit', 'report', '--format', 'html', '--run', runId, '-o', 'report.html'], options);
  assert.equal(report.code, 0, report.stderr);
  assert.equal(report.stdout, '');
  const html = await readFile(out, 'utf8');
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/, 'self-contained: nothing fetched');

  const started = await launch();
  if ('skip' in started) {
    t.skip(started.skip);
    return;
  }
  const { browser } = started;
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  // Offline: any request the page makes would fail the test below.
  const requests: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.goto(pathToFileURL(out).href);

  const section = page.locator(`section.run[data-run-id="${runId}"]`);
  assert.equal(await section.getAttribute('data-status'), 'succeeded');
  assert.equal(await page.getAttribute('#verify', 'data-ok'), 'true');
  assert.match((await page.textContent('#verify')) ?? '', /intact/);

  // One table row per step, with its digest and attempts.
  const rows = await section.locator('table.steps tr.step').evaluateAll((trs) => trs.map((tr) => ({
    id: tr.getAttribute('data-step'), status: tr.getAttribute('data-status'),
    digest: tr.querySelector('.digest')?.textContent ?? '', attempts: tr.querySelectorAll('li[data-attempt]').length,
  })));
  assert.deepEqual(rows.map((r) => r.id).sort(), ['build', 'lint', 'prep', 'quick', 'ship']);
  for (const row of rows) {
    assert.equal(row.status, 'succeeded');
    assert.match(row.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(row.attempts, 1);
  }

  // Gantt bars in order of start; dependents start no earlier than their dependency ended.
  const bars = await section.locator('svg.gantt g.bar').evaluateAll((gs) => gs.map((g) => ({
    id: g.getAttribute('data-step') ?? '', start: Number(g.getAttribute('data-start')), end: Number(g.getAttribute('data-end')),
    critical: g.classList.contains('critical'), x: Number(g.querySelector('rect')?.getAttribute('x')),
  })));
  assert.equal(bars.length, 5);
  for (let i = 1; i < bars.length; i++) {
    assert.ok(bars[i]!.start >= bars[i - 1]!.start, 'bars ordered by start');
    assert.ok(bars[i]!.x >= bars[i - 1]!.x, 'drawn left to right in start order');
  }
  const bar = (id: string) => bars.find((b) => b.id === id)!;
  assert.ok(bar('build').start >= bar('prep').end && bar('ship').start >= bar('build').end);
  // Parallelism is visible: quick ran while prep was running.
  assert.ok(bar('quick').start < bar('prep').end);

  // The critical path: prep → build → ship, marked in the Gantt, the DAG and the table.
  assert.deepEqual(bars.filter((b) => b.critical).map((b) => b.id).sort(), ['build', 'prep', 'ship']);
  assert.deepEqual((await section.locator('svg.dag g.node.critical').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-step')))).sort(), ['build', 'prep', 'ship']);
  assert.equal(await section.locator('svg.dag path.edge').count(), 4);
  assert.equal(await section.locator('svg.dag path.edge.critical').count(), 2);
  assert.equal(await section.locator('tr.step.critical').count(), 3);
  assert.equal(await section.locator('.critical-path').getAttribute('data-inferred'), 'false');
  // The policy grant is shown (the --allow-run flag).
  assert.match((await section.locator('.grant').textContent()) ?? '', /sleep/);

  const shot = join(project.dir, 'report.png');
  await page.screenshot({ path: shot, fullPage: true });
  const png = await readFile(shot);
  assert.ok((await stat(shot)).size > 1000);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(requests, []);
});
