/**
 * Node's network modules, loaded at their first use. Most runs never open a connection, and
 * importing these at start-up cost every CLI command ~5 ms: compiling http, https, tls, net, dns
 * and their internals, and, for `import ... from 'node:tls'`, building its ESM facade, which
 * reads `tls.rootCertificates` and so parses every bundled root certificate. `require` of a
 * built-in builds no facade.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

let http: typeof import('node:http') | undefined;
let https: typeof import('node:https') | undefined;
let net: typeof import('node:net') | undefined;
let tls: typeof import('node:tls') | undefined;
let dns: typeof import('node:dns') | undefined;

export const nodeHttp = (): typeof import('node:http') => (http ??= load('node:http') as typeof import('node:http'));
export const nodeHttps = (): typeof import('node:https') => (https ??= load('node:https') as typeof import('node:https'));
export const nodeNet = (): typeof import('node:net') => (net ??= load('node:net') as typeof import('node:net'));
export const nodeTls = (): typeof import('node:tls') => (tls ??= load('node:tls') as typeof import('node:tls'));
export const nodeDns = (): typeof import('node:dns') => (dns ??= load('node:dns') as typeof import('node:dns'));
