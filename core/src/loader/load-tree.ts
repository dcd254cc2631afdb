import type { Diagnostic } from '../errors.ts';
import { parsePlainJson } from './fast-json.ts';
import { parsePlainYaml } from './fast-yaml.ts';
import { parseMissionText } from './parse.ts';
import { buildTree, type SourceIndex, type Tree } from './tree.ts';

/**
 * Mission text to plain data, the cheap way when it can be. The full path — yaml's CST,
 * composer and a walk recording a position per node — costs most of a big mission's load,
 * and positions are needed only for diagnostics. So plain documents (fast-yaml.ts, and
 * fast-json.ts for `.json`) are read without them; their source index is built from the
 * text by the full path the first time anything reads it (a diagnostic's line:column, the
 * Mission's sourceMap), so every position is exactly the one the full path gives.
 */

/** Whether the fast paths may be taken. Tests switch them off to hold both paths to the same results. */
export const loaderPaths = { fast: true };

/** The tree of the text, or null with the diagnostics that stopped parsing. */
type LoadedTree = { tree: Tree | null; diagnostics: Diagnostic[] };

/** Parses mission text (strict JSON for `.json`) into its tree and every parse diagnostic. */
export function loadTree(text: string, file: string): LoadedTree {
  if (loaderPaths.fast) {
    const fast = file.endsWith('.json') ? parsePlainJson(text) : parsePlainYaml(text);
    if (fast !== undefined) return { tree: { value: fast.value, index: lazyIndex(text, file), diagnostics: [] }, diagnostics: [] };
  }
  return fullTree(text, file);
}

function fullTree(text: string, file: string): LoadedTree {
  const parsed = parseMissionText(text, file);
  if (!parsed.parsed) return { tree: null, diagnostics: parsed.diagnostics };
  const tree = buildTree(parsed.parsed, file);
  return { tree, diagnostics: [...parsed.diagnostics, ...tree.diagnostics] };
}

/** A source index built by the full path on first use. */
function lazyIndex(text: string, file: string): SourceIndex {
  let index: SourceIndex | null = null;
  const full = (): SourceIndex => (index ??= fullTree(text, file).tree?.index ?? { values: {}, keys: new Map(), valueColumns: new Map(), raw: new Map() });
  return {
    get values() {
      return full().values;
    },
    get keys() {
      return full().keys;
    },
    get valueColumns() {
      return full().valueColumns;
    },
    get raw() {
      return full().raw;
    },
  };
}
