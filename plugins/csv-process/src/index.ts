import type { parse as parseCsv } from 'csv-parse/sync';
import { definePlugin, PluginError, Type, type Static } from '@rustchain/core/plugin';

/**
 * `csv_process`: parses CSV text with csv-parse (RFC 4180 quoting, embedded newlines and
 * delimiters, doubled quotes). The first row is the header by default, as in the original.
 */

/** Rows returned when `max_rows` is not given. */
const DEFAULT_MAX_ROWS = 100_000;
/** Header names that would reach Object.prototype in naive consumers (as the loader refuses). */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Parameters of a `csv_process` step. */
const Params = Type.Object(
  {
    content: Type.String({ description: 'the CSV text' }),
    delimiter: Type.Optional(Type.String({ minLength: 1, description: 'field separator (default `,`)' })),
    has_header: Type.Optional(Type.Boolean({ description: 'the first row names the columns (default true)' })),
    quote: Type.Optional(Type.String({ maxLength: 1, description: 'quote character (default `"`); empty turns quoting off' })),
    max_rows: Type.Optional(Type.Integer({ minimum: 0, description: `data rows returned at most (default ${DEFAULT_MAX_ROWS}); more sets truncated` })),
  },
  { additionalProperties: true },
);

/** Outputs of a `csv_process` step. */
const Outputs = Type.Object({
  rows: Type.Array(Type.Union([Type.Record(Type.String(), Type.String()), Type.Array(Type.String())]), {
    description: 'data rows: objects keyed by header name with a header, lists of fields without',
  }),
  columns: Type.Array(Type.String(), { description: 'header names; empty without a header' }),
  count: Type.Integer({ description: 'number of rows returned' }),
  truncated: Type.Boolean({ description: 'true when rows beyond max_rows were dropped' }),
});

type Params = Static<typeof Params>;

/** Reads all records (arrays of fields), at most `limit`; csv-parse errors become E_CSV_PARSE. */
function records(parse: typeof parseCsv, p: Params, limit: number): string[][] {
  try {
    return parse(p.content, {
      delimiter: p.delimiter ?? ',',
      quote: p.quote === '' ? false : (p.quote ?? '"'),
      bom: true,
      skip_empty_lines: true,
      // A stray quote inside an unquoted field is kept as text, as the original's csv crate did.
      relax_quotes: true,
      to: limit,
    }) as string[][];
  } catch (error) {
    const e = error as { code?: string; message?: string; lines?: number };
    throw new PluginError('E_CSV_PARSE', `content is not valid CSV: ${e.message ?? String(error)}`, {
      details: { line: e.lines ?? null, reason: e.code ?? null },
      nonRetryable: true,
      cause: error,
    });
  }
}

function checkHeader(header: readonly string[]): void {
  const seen = new Set<string>();
  for (const [index, name] of header.entries()) {
    if (FORBIDDEN.has(name)) {
      throw new PluginError('E_SCHEMA_FORBIDDEN_KEY', `header \`${name}\` is not allowed (it could alter object prototypes in JavaScript consumers)`, { details: { column: index + 1, name }, nonRetryable: true });
    }
    if (seen.has(name)) {
      throw new PluginError('E_CSV_DUPLICATE_HEADER', `header \`${name}\` appears twice; rows could not keep both values`, { details: { column: index + 1, name }, nonRetryable: true });
    }
    seen.add(name);
  }
}

/** The `csv_process` step type: CSV text to rows. */
export default definePlugin({
  type: 'csv_process',
  description: 'Parse CSV text into rows (quoting, embedded newlines, header row, delimiter)',
  params: Params,
  outputs: Outputs,
  capabilities: [],
  effect: 'pure',
  async run(p) {
    // csv-parse loads only when a step runs: the registry imports every plugin at start-up.
    const { parse } = await import('csv-parse/sync');
    const hasHeader = p.has_header ?? true;
    const maxRows = p.max_rows ?? DEFAULT_MAX_ROWS;
    // One record more than returned tells whether anything was left out.
    const all = records(parse, p, maxRows + (hasHeader ? 2 : 1));
    const header = hasHeader ? (all[0] ?? []) : [];
    if (hasHeader) checkHeader(header);
    const data = all.slice(hasHeader ? 1 : 0);
    const truncated = data.length > maxRows;
    const kept = data.slice(0, maxRows);
    const rows = hasHeader ? kept.map((fields) => Object.fromEntries(header.map((name, i) => [name, fields[i] ?? '']))) : kept;
    return { rows, columns: header, count: rows.length, truncated };
  },
});
