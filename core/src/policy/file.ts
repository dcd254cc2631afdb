import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import type { Document, LineCounter } from 'yaml';
import { yaml } from '../loader/yaml-lib.ts';
import { sortDiagnostics, type Diagnostic } from '../errors.ts';
import { didYouMean } from '../loader/suggest.ts';
import type { PolicyConfig } from '../config/types.ts';

/**
 * A policy YAML given with `--policy <file>`: the same shape as `policy` in
 * rustchain.config.ts, validated with typebox, every problem reported at its file:line:column.
 * Paths in it are relative to the policy file's directory.
 */

const List = Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Literal('*')]);

/** The schema of a policy file. */
export const PolicyFileSchema = Type.Object(
  {
    stepTypes: Type.Optional(List),
    commands: Type.Optional(
      Type.Object(
        {
          allow: Type.Optional(List),
          shell: Type.Optional(Type.Boolean()),
          detach: Type.Optional(Type.Boolean({ description: 'processes started by process_start may outlive the run (detach: true); default false' })),
          rules: Type.Optional(
            Type.Array(
              Type.Object(
                { command: Type.String({ minLength: 1 }), args: Type.Array(Type.String(), { description: "glob patterns, e.g. 'log *'" }) },
                { additionalProperties: false },
              ),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    fs: Type.Optional(
      Type.Object({ read: Type.Optional(Type.Array(Type.String())), write: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false }),
    ),
    net: Type.Optional(Type.Object({ allow: Type.Optional(List) }, { additionalProperties: false })),
    env: Type.Optional(
      Type.Object({ allow: Type.Optional(List), secrets: Type.Optional(Type.Array(Type.String({ minLength: 1 }))) }, { additionalProperties: false }),
    ),
    limits: Type.Optional(
      Type.Object(
        {
          maxSteps: Type.Optional(Type.Integer({ minimum: 1 })),
          maxTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
          maxOutputBytes: Type.Optional(Type.Integer({ minimum: 1 })),
          maxRunOutputBytes: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    sandbox: Type.Optional(Type.Union([Type.Literal('required'), Type.Literal('preferred'), Type.Literal('off')])),
  },
  { additionalProperties: false },
);

/** A policy file's content. */
export type PolicyFile = Static<typeof PolicyFileSchema>;

/** Largest policy file read (a policy is a page of YAML, not megabytes). */
const MAX_POLICY_BYTES = 256 * 1024;

/** Result of loading a policy file. */
export interface LoadedPolicyFile {
  /** The policy, or null when there were errors. */
  policy: PolicyConfig | null;
  diagnostics: Diagnostic[];
}

function positionOf(doc: Document, counter: LineCounter, pointer: string): { line: number; column: number } {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  // Walk up until a node exists (a missing required key is reported at its parent).
  for (let n = segments.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n).map((s) => (/^\d+$/.test(s) ? Number(s) : s)), true);
    if (yaml().isNode(node) && node.range) {
      const pos = counter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

/** Position of the key (not the value) a pointer ends in, when the document has it. */
function keyPosition(doc: Document, counter: LineCounter, pointer: string): { line: number; column: number } | null {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = segments.pop();
  const parent = segments.length === 0 ? doc.contents : doc.getIn(segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), true);
  if (!yaml().isMap(parent)) return null;
  const pair = parent.items.find((p) => yaml().isScalar(p.key) && String(p.key.value) === key);
  const range = pair !== undefined && yaml().isNode(pair.key) ? pair.key.range : undefined;
  if (range === undefined || range === null) return null;
  const pos = counter.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

/** Parses and validates policy YAML text; never throws on bad input. */
export function parsePolicyText(text: string, file: string): LoadedPolicyFile {
  const diag = (line: number, column: number, message: string, pointer?: string): Diagnostic => ({
    code: 'E_POLICY_FILE_INVALID',
    severity: 'error',
    message,
    file,
    line,
    column,
    ...(pointer === undefined ? {} : { pointer }),
  });
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) return { policy: null, diagnostics: [diag(1, 1, `the policy file is larger than ${MAX_POLICY_BYTES} bytes`)] };
  const counter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const parseErrors = [...doc.errors, ...doc.warnings].map((e) => {
    const pos = counter.linePos(e.pos[0]);
    return diag(pos.line, pos.col, e.message.split('\n')[0] ?? e.code);
  });
  if (parseErrors.length > 0) return { policy: null, diagnostics: sortDiagnostics(parseErrors) };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (err) {
    return { policy: null, diagnostics: [diag(1, 1, `the policy file uses YAML aliases, which are not allowed: ${(err as Error).message}`)] };
  }
  if (value === null || value === undefined) value = {};
  const diagnostics: Diagnostic[] = [];
  for (const error of Value.Errors(PolicyFileSchema, value)) {
    const pos = positionOf(doc, counter, error.path);
    const where = error.path === '' ? 'the policy' : error.path;
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      // A misspelt key (`sandbx`) would silently drop a restriction: name the one it is closest to.
      const key = (error.path.split('/').pop() ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
      const known = Object.keys((error.schema as { properties?: Record<string, unknown> }).properties ?? {});
      const near = didYouMean(key, known);
      const at = keyPosition(doc, counter, error.path) ?? pos;
      diagnostics.push({ ...diag(at.line, at.column, `unknown key \`${key}\``, error.path), hint: near !== null ? `did you mean \`${near}\`?` : `known keys here: ${known.join(', ')}` });
      continue;
    }
    diagnostics.push(diag(pos.line, pos.column, `${where}: ${error.message}`, error.path));
  }
  if (diagnostics.length > 0) return { policy: null, diagnostics: sortDiagnostics(dedupe(diagnostics)) };
  return { policy: value as PolicyConfig, diagnostics: [] };
}

/** One diagnostic per pointer: typebox reports every failed union branch separately. */
function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = d.pointer ?? `${d.line}:${d.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Reads and validates a policy file. */
export async function loadPolicyFile(path: string): Promise<LoadedPolicyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return {
      policy: null,
      diagnostics: [{ code: 'E_FILE_NOT_FOUND', severity: 'error', message: `cannot read policy file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, file: path, line: 1, column: 1 }],
    };
  }
  return parsePolicyText(text, path);
}
