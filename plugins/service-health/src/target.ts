import { PluginError } from '@rustchain/core/plugin';

/** What a `service_health` step probes, derived from `service`, `port`, `protocol` and `path`. */
export interface ProbeTarget {
  protocol: 'tcp' | 'http';
  host: string;
  port: number;
  /** For http: the absolute URL requested. */
  url: string;
}

/** The parameters the target depends on. */
export interface TargetParams {
  service: string;
  port?: number;
  protocol?: 'tcp' | 'http';
  path?: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `[::1]` for IPv6 literals, the host otherwise. */
function hostPart(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Resolves the probe. `service` is a host (`db.internal`, `127.0.0.1`) or a URL
 * (`https://api.example.com/healthz`, `tcp://db:5432`): a URL's own port wins over `port`,
 * and an http(s) URL makes the default protocol http.
 */
export function probeTarget(p: TargetParams): ProbeTarget {
  const invalid = (why: string) => new PluginError('E_PARAMS_INVALID', `service ${JSON.stringify(p.service)}: ${why}`, { nonRetryable: true, details: { service: p.service } });
  if (SCHEME.test(p.service)) {
    let url: URL;
    try {
      url = new URL(p.service);
    } catch {
      throw invalid('not a valid URL');
    }
    const web = url.protocol === 'http:' || url.protocol === 'https:';
    if (!web && url.protocol !== 'tcp:') throw invalid(`scheme ${url.protocol} is not supported (http, https or tcp)`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (host === '') throw invalid('the URL has no host');
    const protocol = p.protocol ?? (web ? 'http' : 'tcp');
    const port = url.port !== '' ? Number(url.port) : (p.port ?? (url.protocol === 'https:' ? 443 : 80));
    if (protocol === 'http' && !web) throw invalid('protocol http needs an http(s) URL or a host');
    const path = p.path ?? `${url.pathname}${url.search}`;
    const base = web ? url.protocol : 'http:';
    return { protocol, host, port, url: `${base}//${hostPart(host)}:${port}${path.startsWith('/') ? path : `/${path}`}` };
  }
  const host = p.service.trim().replace(/^\[|\]$/g, '');
  if (host === '' || /[\s/?#@]/.test(host)) throw invalid('not a host name, IP address or URL');
  const port = p.port ?? 80;
  const path = p.path ?? '/';
  const scheme = port === 443 ? 'https:' : 'http:';
  return { protocol: p.protocol ?? 'tcp', host, port, url: `${scheme}//${hostPart(host)}:${port}${path.startsWith('/') ? path : `/${path}`}` };
}
