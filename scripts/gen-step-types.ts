/**
 * Writes docs/step-types.md, the step-type reference, from every plugin package under
 * plugins/*: description, parameters (type, required, default, description, from the typebox
 * schema), outputs, capabilities, effect and a minimal example built from the required
 * parameters. Run: `node --conditions=@rustchain/source --import tsx scripts/gen-step-types.ts`.
 * `--check` exits 1 when the file on disk is stale instead of writing it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeOrCheck } from './generated-file.ts';

/** Where the generated reference lives. */
export const STEP_TYPES_DOC_PATH = fileURLToPath(new URL('../docs/step-types.md', import.meta.url));
const PLUGINS_DIR = fileURLToPath(new URL('../plugins/', import.meta.url));
const COMMAND = 'node --conditions=@rustchain/source --import tsx scripts/gen-step-types.ts';

/** A JSON Schema node as typebox emits it (symbols dropped). */
interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  examples?: unknown[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  required?: string[];
  minimum?: number;
  secret?: boolean;
}

/** What the reference needs from one plugin package. */
export interface StepTypeEntry {
  type: string;
  packageName: string;
  version: string;
  description: string;
  effect: string;
  capabilities: readonly string[];
  params: SchemaNode;
  outputs: SchemaNode;
}

/** Every package under plugins/* (with a package.json), imported, sorted by step type. */
export async function loadStepTypes(): Promise<StepTypeEntry[]> {
  const dirs = readdirSync(PLUGINS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(PLUGINS_DIR, d.name, 'package.json')))
    .map((d) => d.name);
  const entries = await Promise.all(
    dirs.map(async (dir): Promise<StepTypeEntry> => {
      const pkg = JSON.parse(readFileSync(join(PLUGINS_DIR, dir, 'package.json'), 'utf8')) as { name: string; version: string };
      const module = (await import(pathToFileURL(join(PLUGINS_DIR, dir, 'src', 'index.ts')).href)) as { default?: Record<string, unknown> };
      const plugin = module.default;
      if (!plugin || typeof plugin['type'] !== 'string') throw new Error(`plugins/${dir}: no default-exported plugin`);
      // typebox keeps its Kind marker under a symbol; a JSON round trip leaves plain JSON Schema.
      const json = (schema: unknown): SchemaNode => JSON.parse(JSON.stringify(schema ?? {})) as SchemaNode;
      return {
        type: plugin['type'],
        packageName: pkg.name,
        version: pkg.version,
        description: String(plugin['description'] ?? ''),
        effect: String(plugin['effect'] ?? ''),
        capabilities: (plugin['capabilities'] as string[] | undefined) ?? [],
        params: json(plugin['params']),
        outputs: json(plugin['outputs']),
      };
    }),
  );
  return entries.sort((a, b) => a.type.localeCompare(b.type));
}

/** A short type expression for a schema node: `string`, `integer ≥ 1`, `list of string`, `"a" \| "b"`. */
function typeOf(node: SchemaNode): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (node.anyOf) return [...new Set(node.anyOf.map(typeOf))].join(' | ');
  const type = Array.isArray(node.type) ? node.type.join(' | ') : node.type;
  if (type === 'array') return `list of ${node.items ? wrap(typeOf(node.items)) : 'any'}`;
  if (type === 'object' && node.patternProperties && !node.properties) {
    const value = Object.values(node.patternProperties)[0];
    return `map of ${value ? wrap(typeOf(value)) : 'any'}`;
  }
  if (type === 'object') return 'object';
  if ((type === 'integer' || type === 'number') && node.minimum !== undefined) return `${type} ≥ ${node.minimum}`;
  return type ?? 'any';
}

function wrap(type: string): string {
  return type.includes(' | ') ? `(${type})` : type;
}

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

function paramsTable(schema: SchemaNode): string[] {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return ['No parameters.'];
  const required = new Set(schema.required ?? []);
  const rows = properties.map(([name, node]) => {
    const description = node.description ?? '';
    const notes = node.secret === true && !/secret/i.test(description) ? `${description} (secret: redacted from the ledger, results and logs)` : description;
    return `| \`${name}\` | ${cell(typeOf(node))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(defaultOf(node))} | ${cell(notes)} |`;
  });
  return ['| name | type | required | default | description |', '|---|---|---|---|---|', ...rows];
}

/**
 * The schema's `default`, else the one its description states the house way: `(default X)`,
 * `; default X`, `default: X` (most plugins document defaults in prose, applied in `run`).
 */
function defaultOf(node: SchemaNode): string {
  if (node.default !== undefined) return `\`${JSON.stringify(node.default)}\``;
  // A `quoted` value may hold , or ); a plain one ends at ; , or ) but keeps one (aside).
  const stated = /(?:^|[(;,]\s*)default:?\s+(`[^`]*`|[^;,()]+(?:\([^)]*\)[^;,)]*)?)/i.exec(node.description ?? '');
  return stated?.[1]?.trim() ?? '';
}

function outputsTable(schema: SchemaNode): string[] {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return ['No outputs.'];
  const rows = properties.map(([name, node]) => `| \`${name}\` | ${cell(typeOf(node))} | ${cell(node.description ?? '')} |`);
  return ['| name | type | description |', '|---|---|---|', ...rows];
}

/** A placeholder value for a required parameter: its example or default, else one of its type. */
function sampleValue(name: string, node: SchemaNode): unknown {
  if (node.examples?.[0] !== undefined) return node.examples[0];
  if (node.default !== undefined) return node.default;
  if (node.const !== undefined) return node.const;
  if (node.enum?.[0] !== undefined) return node.enum[0];
  if (node.anyOf?.[0]) return sampleValue(name, node.anyOf[0]);
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  if (type === 'string') return `<${name}>`;
  if (type === 'integer' || type === 'number') return node.minimum ?? 1;
  if (type === 'boolean') return true;
  if (type === 'array') return node.items ? [sampleValue(name, node.items)] : [];
  if (type === 'object') return {};
  return `<${name}>`;
}

function example(entry: StepTypeEntry): string[] {
  const required = entry.params.required ?? [];
  const lines = ['```yaml', `- id: ${entry.type.replace(/_/g, '-')}`, `  name: Example ${entry.type} step`, `  step_type: ${entry.type}`];
  if (required.length === 0) lines.push('  parameters: {}');
  else {
    lines.push('  parameters:');
    // JSON is valid YAML flow syntax: quoting stays exact whatever the value holds.
    for (const name of required) lines.push(`    ${name}: ${JSON.stringify(sampleValue(name, entry.params.properties?.[name] ?? {}))}`);
  }
  return [...lines, '```'];
}

/** The whole reference, deterministic: same plugins, same bytes. */
export function renderStepTypes(entries: readonly StepTypeEntry[]): string {
  const out = [
    `<!-- generated by scripts/gen-step-types.ts; do not edit. Regenerate: ${COMMAND} -->`,
    '',
    '# Step types',
    '',
    `${entries.length} step types, one plugin package each. Parameters marked required must be given; other keys are accepted and ignored unless a step type says otherwise.`,
    '',
    '| step type | package | effect | description |',
    '|---|---|---|---|',
    ...entries.map((e) => `| [\`${e.type}\`](#${e.type}) | \`${e.packageName}\` | ${e.effect} | ${cell(e.description)} |`),
  ];
  for (const e of entries) {
    out.push(
      '',
      `## ${e.type}`,
      '',
      cell(e.description),
      '',
      `- package: \`${e.packageName}\` ${e.version}`,
      `- effect: \`${e.effect}\``,
      `- capabilities: ${e.capabilities.length === 0 ? 'none' : e.capabilities.map((c) => `\`${c}\``).join(', ')}`,
      '',
      '### Parameters',
      '',
      ...paramsTable(e.params),
      '',
      '### Outputs',
      '',
      ...outputsTable(e.outputs),
      '',
      '### Example',
      '',
      ...example(e),
    );
  }
  return `${out.join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeOrCheck(STEP_TYPES_DOC_PATH, renderStepTypes(await loadStepTypes()), COMMAND);
}
