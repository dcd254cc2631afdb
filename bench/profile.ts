/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof`): self time per function and per
 * file, so a hot path can be named precisely (function, file, share of samples).
 * Usage: node --import tsx bench/profile.ts <file.cpuprofile> [top=25] [filter-substring]
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, filter] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profile.ts <file.cpuprofile> [top] [url-filter]\n');
  process.exit(2);
}
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
const top = Number(topArg ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const short = (url: string): string => url.replace(/^file:\/\/\/work\/main\//, '').replace(/^.*node_modules\//, 'nm/');
const fnKey = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const fileKey = (n: ProfileNode): string => short(n.callFrame.url) || `(${n.callFrame.functionName})`;

function rank(key: (n: ProfileNode) => string): Array<[string, number]> {
  const acc = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    if (filter && !node.callFrame.url.includes(filter)) continue;
    acc.set(key(node), (acc.get(key(node)) ?? 0) + us);
  }
  return [...acc].sort((a, b) => b[1] - a[1]).slice(0, top);
}

const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
process.stdout.write(`total sampled ${(total / 1000).toFixed(0)} ms\n\nself time by function:\n`);
for (const [k, us] of rank(fnKey)) process.stdout.write(`${pct(us)} ${(us / 1000).toFixed(1).padStart(8)} ms  ${k}\n`);
process.stdout.write('\nself time by file:\n');
for (const [k, us] of rank(fileKey)) process.stdout.write(`${pct(us)} ${(us / 1000).toFixed(1).padStart(8)} ms  ${k}\n`);
