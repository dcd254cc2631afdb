/**
 * A Node built-in loaded at its first use instead of at start-up, for what most runs never call
 * (the network stack). Every CLI command imports core, so each static import is paid by every
 * start, and `require` skips the facade the ESM loader builds for a built-in. Built-ins only:
 * a bundler cannot follow a required package's name here, so a bundled compiled mission would
 * not find it (tests/cli/bundle-calls.test.ts); core's CommonJS dependencies are inlined into
 * its dist instead (package.json `rustchainBuild.inline`).
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** A getter of the Node built-in `specifier`, required once, on first call. */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(specifier) as T);
}
