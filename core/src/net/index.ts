/** The network guard: URL/scheme checks, host allowlists, IP classification, the SSRF-safe client. */
export { classifyAddress } from './address.ts';
export type { ClassifiedAddress } from './address.ts';
export { checkHost, checkResolvedAddress } from './allowlist.ts';
export type { NetRules, HostRefusal } from './allowlist.ts';
export { parseHttpUrl, checkUrl } from './url.ts';
export type { HttpTarget } from './url.ts';
export { createHttpClient, systemResolver } from './client.ts';
export type { HttpClient, HttpClientOptions, HttpRequestInit, Resolver, ResolvedAddress, ConnectInfo } from './client.ts';
