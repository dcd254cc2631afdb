/** Re-renders bench/results.json as markdown (bench/results.md and stdout) without re-running. */
import { readFile, writeFile } from 'node:fs/promises';
import { renderMarkdown } from './lib/report.ts';
import type { Results } from './lib/report.ts';

const results = JSON.parse(await readFile(new URL('./results.json', import.meta.url), 'utf8')) as Results;
const markdown = renderMarkdown(results);
await writeFile(new URL('./results.md', import.meta.url), `${markdown}\n`);
process.stdout.write(`${markdown}\n`);
