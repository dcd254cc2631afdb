/** Round-trip statistics shared by the TCP and ICMP methods. */

/** Summary of a series of probes. */
export interface PingStats {
  sent: number;
  received: number;
  loss_percent: number;
  min_ms: number | null;
  avg_ms: number | null;
  max_ms: number | null;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** Stats of round trips in ms, `null` for a lost probe. */
export function summarise(rtts: readonly (number | null)[]): PingStats {
  const ok = rtts.filter((r): r is number => r !== null);
  const sent = rtts.length;
  return {
    sent,
    received: ok.length,
    loss_percent: sent === 0 ? 0 : round(((sent - ok.length) / sent) * 100),
    min_ms: ok.length ? round(Math.min(...ok)) : null,
    avg_ms: ok.length ? round(ok.reduce((a, b) => a + b, 0) / ok.length) : null,
    max_ms: ok.length ? round(Math.max(...ok)) : null,
  };
}

/**
 * Parses `ping` output (iputils, BusyBox, BSD/macOS): the `N packets transmitted, M
 * received` line and the `min/avg/max` line. Null when the summary line is missing.
 */
export function parsePingOutput(stdout: string): PingStats | null {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(stdout);
  if (!counts) return null;
  const sent = Number(counts[1]);
  const received = Number(counts[2]);
  const rtt = /min\/avg\/max(?:\/[a-z]+)? = ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(stdout);
  return {
    sent,
    received,
    loss_percent: sent === 0 ? 0 : round(((sent - received) / sent) * 100),
    min_ms: rtt ? Number(rtt[1]) : null,
    avg_ms: rtt ? Number(rtt[2]) : null,
    max_ms: rtt ? Number(rtt[3]) : null,
  };
}
