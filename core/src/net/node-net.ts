/**
 * Node's network modules, loaded at their first use (lazy-require.ts). Most runs never open a
 * connection, and importing these at start-up cost every CLI command ~5 ms: compiling http,
 * https, tls, net and dns and their internals, and, for `import ... from 'node:tls'`, building
 * its ESM facade, which reads `tls.rootCertificates` and so parses every bundled root certificate.
 */
import { lazyRequire } from '../lazy-require.ts';

export const nodeHttp = lazyRequire<typeof import('node:http')>('node:http');
export const nodeHttps = lazyRequire<typeof import('node:https')>('node:https');
export const nodeNet = lazyRequire<typeof import('node:net')>('node:net');
export const nodeTls = lazyRequire<typeof import('node:tls')>('node:tls');
export const nodeDns = lazyRequire<typeof import('node:dns')>('node:dns');
