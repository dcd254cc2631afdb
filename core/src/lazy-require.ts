/**
 * A module loaded at its first use instead of at start-up: for what most runs never call (the
 * network stack, the address parser of the network guard, typo suggestions). Every CLI command
 * imports core, so each static import is paid by every start; `require` also skips the ESM
 * loader's CommonJS path (the export lexer) and the facades it builds for Node's built-ins.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** A getter of `specifier` (a Node built-in or a dependency of @rustchain/core), required once, on first call. */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(specifier) as T);
}
