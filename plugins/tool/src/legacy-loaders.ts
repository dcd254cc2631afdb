import { PluginError, type ResourceClaim, type StepContext } from '@rustchain/core/plugin';

/**
 * The original's document-loader tools (`csv_loader`, `json_yaml_loader`, `html_loader`, used
 * by the corpus `data_processing.yaml`), with their parameters (`file_path`, `delimiter`,
 * `has_headers`, `format`, `extract_mode`). Each runs as child steps of the step types that do
 * the work here: `read_file`, then `csv_process` / `parse_json` / `parse_yaml`; HTML text,
 * title and links are extracted from the read content in this step (no side effect).
 */

/** The loader names. */
export const LEGACY_LOADERS: ReadonlySet<string> = new Set(['csv_loader', 'json_yaml_loader', 'html_loader']);

const HTML_MODES = new Set(['text', 'structure', 'links', 'metadata', 'all']);

function filePath(tool: string, args: Record<string, unknown>): string {
  const path = args['file_path'];
  if (typeof path !== 'string' || path === '') {
    throw new PluginError('E_PARAMS_INVALID', `the ${tool} tool needs parameters.file_path (a string)`, { details: { tool }, nonRetryable: true });
  }
  return path;
}

/** The parser step type of a json_yaml_loader call: `format`, else the file extension (.json = JSON, else YAML). */
function jsonYamlParser(args: Record<string, unknown>, path: string): 'parse_json' | 'parse_yaml' {
  const format = typeof args['format'] === 'string' ? args['format'].toLowerCase() : undefined;
  if (format === 'json') return 'parse_json';
  if (format === 'yaml' || format === 'yml') return 'parse_yaml';
  return /\.json$/i.test(path) ? 'parse_json' : 'parse_yaml';
}

/** Static claims of a loader call: the read (as a read_file child) and the parser's step type. */
export function legacyLoaderClaims(tool: string, args: Record<string, unknown>): ResourceClaim[] {
  const path = args['file_path'];
  if (typeof path !== 'string' || path === '') return [];
  const claims: ResourceClaim[] = [{ kind: 'step', type: 'read_file', params: { path }, pointer: '/parameters' }];
  if (tool === 'csv_loader') claims.push({ kind: 'step', type: 'csv_process', params: { content: '' }, pointer: '/parameters' });
  if (tool === 'json_yaml_loader') claims.push({ kind: 'step', type: jsonYamlParser(args, path), params: { content: '' }, pointer: '/parameters' });
  return claims;
}

/** Runs one loader call; its outputs are the structured result the original returned. */
export async function runLegacyLoader(tool: string, args: Record<string, unknown>, ctx: Pick<StepContext, 'steps'>, timeoutMs: number | undefined): Promise<Record<string, unknown>> {
  const path = filePath(tool, args);
  const timeout = timeoutMs === undefined ? {} : { timeoutMs };
  const read = await ctx.steps.run({ id: 'read_file', type: 'read_file', params: { path }, ...timeout });
  const content = String(read['content'] ?? '');
  if (tool === 'csv_loader') {
    const params: Record<string, unknown> = { content };
    if (typeof args['delimiter'] === 'string') params['delimiter'] = args['delimiter'];
    if (typeof args['has_headers'] === 'boolean') params['has_header'] = args['has_headers'];
    return ctx.steps.run({ id: 'csv_process', type: 'csv_process', params, ...timeout });
  }
  if (tool === 'json_yaml_loader') {
    const parser = jsonYamlParser(args, path);
    return ctx.steps.run({ id: parser, type: parser, params: { content }, ...timeout });
  }
  const mode = typeof args['extract_mode'] === 'string' ? args['extract_mode'] : 'all';
  if (!HTML_MODES.has(mode)) {
    throw new PluginError('E_PARAMS_INVALID', `html_loader extract_mode must be one of ${[...HTML_MODES].join(', ')}`, { details: { extract_mode: mode }, nonRetryable: true });
  }
  return extractHtml(content, mode);
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Text (scripts and styles dropped, tags removed, whitespace collapsed), title and links of an HTML document. */
function extractHtml(html: string, mode: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  if (mode === 'text' || mode === 'all' || mode === 'structure') {
    const body = html.replace(/<(script|style|noscript)\b[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ' ');
    out['text'] = decode(body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
  }
  if (mode === 'metadata' || mode === 'all' || mode === 'structure') out['title'] = title === undefined ? null : decode(title).trim();
  if (mode === 'links' || mode === 'all') {
    out['links'] = [...html.matchAll(/<a\b[^>]*\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map((m) => decode(m[1] ?? m[2] ?? m[3] ?? ''));
  }
  if (mode === 'structure' || mode === 'all') {
    out['headings'] = [...html.matchAll(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1\s*>/gi)].map((m) => ({ level: Number(m[1]), text: decode(m[2]!.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim() }));
  }
  return out;
}
