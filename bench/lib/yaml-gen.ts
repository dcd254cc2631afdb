import type { StepSpec } from './engine.ts';

/** Renders step specs as mission YAML, block style as people write it (deps in flow style). */
export function missionYaml(name: string, specs: readonly StepSpec[]): string {
  const out: string[] = [`version: "1.0"`, `name: ${name}`, 'steps:'];
  for (const s of specs) {
    out.push(`  - id: ${s.id}`, `    step_type: ${s.type}`);
    const params = s.parameters ?? {};
    if (Object.keys(params).length > 0) {
      out.push('    parameters:');
      for (const [k, v] of Object.entries(params)) out.push(`      ${k}: ${JSON.stringify(v)}`);
    }
    if (s.dependsOn && s.dependsOn.length > 0) out.push(`    depends_on: [${s.dependsOn.join(', ')}]`);
  }
  return `${out.join('\n')}\n`;
}
