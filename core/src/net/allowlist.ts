import { classifyAddress, isReservedHostname, normaliseHostname } from './address.ts';

/**
 * Host allowlist matching. Entries are `host`, `host:port`, `*.example.com[:port]`,
 * an IP (`127.0.0.1:8080`, `[::1]:8080`, `::1`) or `*` (any PUBLIC host). Reserved
 * addresses and names are reachable only through an entry that names them exactly: a
 * wildcard never opens loopback, private or metadata addresses.
 */

/** The network part of a policy. */
export interface NetRules {
  allow: readonly string[] | '*';
}

/** One parsed allowlist entry. */
interface HostEntry {
  host: string;
  port: number | null;
  wildcard: boolean;
}

/** Parses one allowlist entry; IP literals are canonicalised so `0x7f000001` style entries still match. */
function parseHostEntry(entry: string): HostEntry {
  const text = entry.trim().toLowerCase();
  let host = text;
  let port: number | null = null;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    host = bracket[1] ?? '';
    port = bracket[2] === undefined ? null : Number(bracket[2]);
  } else if (text.split(':').length === 2) {
    const [h, p] = text.split(':') as [string, string];
    if (/^\d+$/.test(p)) {
      host = h;
      port = Number(p);
    }
  }
  const wildcard = host.startsWith('*.');
  const ip = wildcard ? null : classifyAddress(host);
  return { host: ip ? ip.address : normaliseHostname(host), port, wildcard };
}

function portMatches(entry: HostEntry, port: number): boolean {
  return entry.port === null || entry.port === port;
}

/** True when an entry names `host` exactly (no wildcard) and admits `port`. */
function explicitlyAllowed(rules: NetRules, host: string, port: number): boolean {
  if (rules.allow === '*') return false;
  const h = classifyAddress(host)?.address ?? normaliseHostname(host);
  return rules.allow.some((raw) => {
    const e = parseHostEntry(raw);
    return !e.wildcard && e.host === h && portMatches(e, port);
  });
}

/** True when `*`, an exact entry or a `*.suffix` entry admits the (public) host and port. */
function allowedByPattern(rules: NetRules, host: string, port: number): boolean {
  if (rules.allow === '*') return true;
  const h = classifyAddress(host)?.address ?? normaliseHostname(host);
  return rules.allow.some((raw) => {
    if (raw.trim() === '*') return true;
    const e = parseHostEntry(raw);
    if (!portMatches(e, port)) return false;
    return e.wildcard ? h.endsWith(e.host.slice(1)) : e.host === h;
  });
}

/** Why a host or address was refused; null when allowed. */
export interface HostRefusal {
  reason: 'not-allowlisted' | 'reserved-address' | 'reserved-name';
  host: string;
  port: number;
  address?: string;
  range?: string;
}

/** Decides a URL's host before any connection: IP literals by range, names by allowlist. */
export function checkHost(rules: NetRules, host: string, port: number): HostRefusal | null {
  const ip = classifyAddress(host);
  const name = ip ? ip.address : normaliseHostname(host);
  if (ip && !ip.public) {
    return explicitlyAllowed(rules, name, port)
      ? null
      : { reason: 'reserved-address', host: name, port, address: ip.address, range: ip.range };
  }
  if (!ip && isReservedHostname(name)) {
    return explicitlyAllowed(rules, name, port) ? null : { reason: 'reserved-name', host: name, port };
  }
  return allowedByPattern(rules, name, port) ? null : { reason: 'not-allowlisted', host: name, port };
}

/**
 * Decides one address a host name resolved to. Public addresses pass (the name was already
 * allowlisted); reserved ones need an entry naming the address itself, or `localhost`
 * named explicitly for loopback. This is what defeats DNS rebinding to 127.0.0.1.
 */
export function checkResolvedAddress(rules: NetRules, host: string, address: string, port: number): HostRefusal | null {
  const ip = classifyAddress(address);
  if (!ip) return { reason: 'reserved-address', host, port, address };
  if (ip.public) return null;
  if (explicitlyAllowed(rules, ip.address, port)) return null;
  const name = normaliseHostname(host);
  if (ip.range === 'loopback' && (name === 'localhost' || name.endsWith('.localhost')) && explicitlyAllowed(rules, name, port)) {
    return null;
  }
  return { reason: 'reserved-address', host: name, port, address: ip.address, range: ip.range };
}
