/**
 * Node's network modules, loaded at their first use. Most runs never open a connection, and
 * importing these at start-up cost every CLI command ~5 ms: compiling http, https, tls, net and
 * dns and their internals, and, for `import ... from 'node:tls'`, building its ESM facade, which
 * reads `tls.rootCertificates` and so parses every bundled root certificate (`require` of a
 * built-in builds no facade). Built-ins only: a bundler cannot follow a package name required
 * here, so a bundled compiled mission would lack it (tests/cli/bundle-calls.test.ts); core's
 * CommonJS dependencies are inlined into its dist instead (package.json `rustchainBuild.inline`).
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** A getter of the built-in `specifier`, required once, on first call. */
function firstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(specifier) as T);
}

export const nodeHttp = firstUse<typeof import('node:http')>('node:http');
export const nodeHttps = firstUse<typeof import('node:https')>('node:https');
export const nodeNet = firstUse<typeof import('node:net')>('node:net');
export const nodeTls = firstUse<typeof import('node:tls')>('node:tls');
export const nodeDns = firstUse<typeof import('node:dns')>('node:dns');
