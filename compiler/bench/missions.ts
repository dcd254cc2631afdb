import { DEFAULTS, type Mission, type MissionStep } from '@rustchain/core';
/** Deterministic random missions for the compile benchmark: read/create/command/edit steps with templates. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export function missionOf(size: number): Mission {
  const random = rng(size);
  const steps: MissionStep[] = [];
  for (let i = 0; i < size; i++) {
    const dependsOn = i === 0 ? [] : [...new Set([Math.floor(random() * i), Math.floor(random() * i)])].map((d) => `s${d}`);
    const reader = dependsOn.map((d) => steps[Number(d.slice(1))]!).find((s) => s.type === 'read_file');
    const kind = i % 4;
    const base = { name: `s${i}`, dependsOn, timeoutSeconds: 60, continueOnError: false, retry: { ...DEFAULTS.retry }, hasTemplates: false };
    const parameters: Record<string, unknown> =
      kind === 0 ? { path: `f${i}.txt` }
      : kind === 1 ? { path: `g${i}.txt`, content: reader ? `from \${{ steps.${reader.id}.outputs.content }}` : `text ${i}` }
      : kind === 2 ? { command: 'echo', args: [`${i}`, reader ? `\${{ steps.${reader.id}.outputs.bytes }}` : 'x'] }
      : { path: `g${i}.txt`, content: 'more', append: true };
    const type = ['read_file', 'create_file', 'command', 'edit_file'][kind]!;
    steps.push({ id: `s${i}`, type, parameters, ...base });
  }
  return {
    source: { file: 'bench.yaml', sha256: '0'.repeat(64) },
    version: '1',
    name: `bench-${size}`,
    description: null,
    config: { failFast: true, timeoutSeconds: 60, maxParallelSteps: null },
    vars: {},
    steps,
    sourceMap: {},
  };
}
