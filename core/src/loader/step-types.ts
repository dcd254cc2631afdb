/**
 * The step-type vocabulary of the original RustChain (community repo @ 98c3d77,
 * `StepType` in src/engine/mod.rs; the successor has the same 51 names). Knowing them lets
 * the loader tell "plugin not installed" apart from "no such step type", and lets
 * `migrate` rewrite PascalCase spellings only when they name a real step type.
 */

/** The 51 step types of the original RustChain, snake_case, grouped as in its engine. */
export const RUSTCHAIN_STEP_TYPES: readonly string[] = Object.freeze([
  // files
  'create_file', 'edit_file', 'delete_file', 'copy_file', 'move_file', 'read_file', 'list_directory', 'file_search',
  // data
  'parse_json', 'parse_yaml', 'parse_xml', 'validate_schema', 'csv_process',
  // code
  'compile_code', 'run_tests', 'format_code', 'lint_code', 'extract_functions', 'generate_docs',
  // git
  'git_commit', 'git_branch', 'git_merge', 'git_status', 'git_diff',
  // system
  'process_start', 'process_kill', 'monitor_resources', 'service_health', 'compress',
  // database
  'sql_query', 'redis_set', 'redis_get', 'db_backup', 'db_migrate',
  // network
  'websocket_connect', 'ftp_upload', 'ftp_download', 'ssh_execute', 'ping_host',
  // AI/ML
  'generate_embedding', 'similarity_search', 'model_inference',
  // core
  'command', 'http', 'noop', 'llm', 'tool', 'rag_query', 'rag_add', 'chain', 'agent',
]);

const KNOWN = new Set(RUSTCHAIN_STEP_TYPES);

/** True when `type` is one of the original 51 step types (snake_case). */
export function isRustchainStepType(type: string): boolean {
  return KNOWN.has(type);
}

/** The package that provides a step type: '@rustchain/plugin-' + kebab-case. */
export function pluginPackageFor(stepType: string): string {
  return `@rustchain/plugin-${stepType.replace(/_/g, '-')}`;
}

/** Spellings the original accepted besides snake_case: only `Tool` (serde alias). */
export const LEGACY_STEP_TYPE_ALIASES: Readonly<Record<string, string>> = Object.freeze({ Tool: 'tool' });

/** `CreateFile` → `create_file`, `HTTPGet` → `http_get`; snake_case input comes back unchanged. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase();
}

/** True for names written in PascalCase / camelCase rather than snake_case. */
export function isPascalCase(name: string): boolean {
  return /[A-Z]/.test(name) && !/[\s]/.test(name);
}

/** The canonical name of a step type as written in a file (`Tool` → `tool`), else unchanged. */
export function normaliseStepType(raw: string): string {
  // Own keys only: `constructor` or `toString` must not read Object.prototype's functions.
  const type = Object.hasOwn(LEGACY_STEP_TYPE_ALIASES, raw) ? LEGACY_STEP_TYPE_ALIASES[raw]! : raw;
  // One string per type name, not one per step (each parsed value is its own copy).
  const known = interned.get(type);
  if (known !== undefined) return known;
  if (interned.size < MAX_INTERNED) interned.set(type, type);
  return type;
}

const interned = new Map<string, string>();
/** A long-lived process (a worker) meets a bounded number of type names; past this, no interning. */
const MAX_INTERNED = 4096;
