import type { ExtractOutputs, FunctionInfo } from '@rustchain/plugin-extract-functions';

/** Markdown rendering of extracted functions: one section per file, one per function. */

/** Escapes text for a Markdown table cell (pipes, newlines). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
}

function renderFunction(fn: FunctionInfo): string {
  const lines = [`### ${code(fn.name)}`, '', '```ts', fn.signature, '```', ''];
  lines.push(fn.doc ? fn.doc : '_No description._', '');
  const paramDocs = new Map(fn.tags.filter((t) => t.tag === 'param' && t.name !== undefined).map((t) => [t.name as string, t.text.replace(/^-\s*/, '')]));
  if (fn.parameters.length > 0) {
    lines.push('| parameter | type | description |', '|---|---|---|');
    for (const p of fn.parameters) {
      const notes = [p.rest ? 'rest' : null, p.optional && !p.rest ? 'optional' : null, p.default !== undefined ? `default ${code(p.default)}` : null].filter((n) => n !== null);
      const type = `${p.type !== null ? code(p.type) : ''}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
      lines.push(`| ${code(p.name)} | ${cell(type)} | ${cell(paramDocs.get(p.name) ?? '')} |`);
    }
    lines.push('');
  }
  const returns = fn.tags.find((t) => t.tag === 'returns' || t.tag === 'return');
  if (fn.return_type !== null || returns) {
    lines.push(`**Returns** ${fn.return_type !== null ? code(fn.return_type) : ''}${returns && returns.text !== '' ? ` — ${returns.text}` : ''}`, '');
  }
  const facts = [fn.kind, fn.exported ? 'exported' : 'not exported', fn.async ? 'async' : null, `lines ${fn.start_line}–${fn.end_line}`].filter((f) => f !== null);
  lines.push(`_${facts.join(', ')}_`, '');
  return lines.join('\n');
}

/** The whole document. */
export function renderMarkdown(title: string, extracted: ExtractOutputs, filter: (fn: FunctionInfo) => boolean): string {
  const parts = [`# ${title}`, ''];
  const files = extracted.files.map((f) => ({ ...f, functions: f.functions.filter(filter) })).filter((f) => f.functions.length > 0);
  if (files.length === 0) parts.push('_No functions found._', '');
  for (const file of files) {
    parts.push(`## ${code(file.path)}`, '');
    for (const fn of file.functions) parts.push(renderFunction(fn as FunctionInfo));
  }
  if (extracted.truncated) parts.push(`> Only the first ${extracted.file_count} files were documented.`, '');
  return `${parts.join('\n').trimEnd()}\n`;
}
