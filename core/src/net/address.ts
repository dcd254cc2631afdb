import ipaddr from 'ipaddr.js';

/**
 * IP address classification for the SSRF guard. Only globally routable unicast addresses
 * count as public; everything else (loopback, private, link-local, unique-local, CGNAT,
 * unspecified, multicast, documentation, NAT64/6to4/Teredo that may embed a private IPv4)
 * is "reserved" and needs an explicit allow entry naming the address itself.
 */

/** An IP address after canonicalisation. */
export interface ClassifiedAddress {
  /** Canonical text: dotted quad for IPv4 (IPv4-mapped IPv6 unwrapped), RFC 5952 for IPv6. */
  address: string;
  family: 4 | 6;
  /** ipaddr.js range name, e.g. `loopback`, `private`, `linkLocal`, `unicast`. */
  range: string;
  /** True only for globally routable unicast. */
  public: boolean;
}

/** Strips `[...]` brackets and a trailing dot, lower-cases. */
export function normaliseHostname(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/**
 * Classifies `text` when it is an IP literal in the strict forms the WHATWG URL parser emits
 * (`127.0.0.1`, `::1`); null for a host name. URL parsing has already turned `127.1`,
 * `2130706433`, `0x7f000001` and `0177.0.0.1` into dotted quads.
 */
export function classifyAddress(text: string): ClassifiedAddress | null {
  const host = normaliseHostname(text);
  if (!ipaddr.IPv4.isValidFourPartDecimal(host) && !ipaddr.IPv6.isValid(host)) return null;
  const processed = ipaddr.process(host); // unwraps ::ffff:a.b.c.d to IPv4
  const range = processed.range();
  return {
    address: processed.toString(),
    family: processed.kind() === 'ipv4' ? 4 : 6,
    range,
    public: range === 'unicast',
  };
}

/** Host names that always point at the local machine or a cloud metadata service. */
const RESERVED_NAMES = new Set(['localhost', 'metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data']);

/** True for `localhost`, `*.localhost` and well-known metadata host names. */
export function isReservedHostname(host: string): boolean {
  const h = normaliseHostname(host);
  return RESERVED_NAMES.has(h) || h.endsWith('.localhost') || h.endsWith('.internal');
}
