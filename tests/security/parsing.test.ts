import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateMissionText } from '@rustchain/core';
import { assertRefused, inProject, SENTINEL_STEP } from './harness.ts';

/** Catalogue A (1-10): inputs rejected while parsing and validating, before any step runs. */

const steps = (body: string): string => `steps:\n${SENTINEL_STEP}${body}`;

const laughs =
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' +
  Array.from({ length: 8 }, (_, i) => {
    const name = String.fromCharCode(98 + i);
    const prev = String.fromCharCode(97 + i);
    return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }).join('\n') +
  '\n' +
  steps('');

test('#1 billion laughs: 9 aliases x 9 levels, refused quickly and in bounded memory', async () => {
  assert.ok(Buffer.byteLength(laughs) < 1024);
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const result = validateMissionText(laughs, 'laughs.yaml');
  assert.ok(performance.now() - started < 1000, 'parse is fast (coarse bound)');
  assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024, 'memory stays bounded');
  assert.ok(result.diagnostics.some((d) => d.code === 'E_YAML_ALIAS_LIMIT' || d.code === 'E_YAML_ALIAS_FORBIDDEN'));
  await inProject({ 'm.yaml': laughs }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, 'E_YAML_ALIAS_LIMIT', { line: 3 }));
});

test('#2 oversized mission: 50 MB file is refused before parsing', async () => {
  const big = Buffer.alloc(50 * 1024 * 1024, 'x');
  Buffer.from(steps('')).copy(big);
  await inProject({ 'm.yaml': big }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, 'E_INPUT_TOO_LARGE'));
});

test('#2 oversized mission: a single 10 MB scalar', async () => {
  const text = `${steps('')}  - id: big\n    step_type: noop\n    parameters: { blob: "${'y'.repeat(10 * 1024 * 1024)}" }\n`;
  await inProject({ 'm.yaml': text }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, 'E_INPUT_TOO_LARGE'));
});

test('#3 deep nesting: 10 000 nested [ without a stack overflow', async () => {
  const text = `${steps('')}  - id: deep\n    step_type: noop\n    parameters: { x: ${'['.repeat(10000)}${']'.repeat(10000)} }\n`;
  await inProject({ 'm.yaml': text }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, 'E_INPUT_TOO_DEEP', { line: 7 }));
});

test('#4 duplicate keys: steps given twice', async () => {
  await inProject({ 'm.yaml': steps('') + steps('') }, ['mission', 'execute', 'm.yaml'], (c) => assertRefused(c, 'E_YAML_DUPLICATE_KEY', { line: 5 }));
});

test('#4 duplicate step ids', async () => {
  await inProject({ 'm.yaml': steps(SENTINEL_STEP) }, ['mission', 'execute', 'm.yaml'], (c) =>
    assertRefused(c, 'E_DUPLICATE_STEP_ID', { line: 5, pointer: '/steps/1/id' }),
  );
});

for (const [name, tagged] of [
  ['!!js/function', '!!js/function "function(){ return 1 }"'],
  ['!!python/object', '!!python/object:os.system "id"'],
  ['!<tag:...>', '!<tag:example.com,2000:evil> x'],
] as const) {
  test(`#5 custom tag ${name} is an error, not a warning`, async () => {
    await inProject({ 'm.yaml': steps(`  - id: tagged\n    step_type: noop\n    parameters: { x: ${tagged} }\n`) }, ['mission', 'execute', 'm.yaml'], (c) =>
      assertRefused(c, 'E_YAML_UNSUPPORTED_TAG', { line: 7 }),
    );
  });
}

