// Preloaded (`node --import`) into a benchmarked child: on exit, writes the process's peak
// resident set (KiB) and its CPU time (user + system, µs) to the file named by
// RUSTCHAIN_BENCH_RSS_FILE, so neither needs /usr/bin/time. CPU time is what a loaded machine
// distorts least (wall time there is mostly waiting for a core). The peak is VmHWM from
// /proc/self/status where there is one: getrusage's ru_maxrss (process.resourceUsage().maxRSS)
// keeps the high-water mark of the address space replaced by exec, i.e. the parent's RSS at
// fork, so every child of a 75 MB benchmark process reported at least 75 MB (`node -e 0`
// included).
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.RUSTCHAIN_BENCH_RSS_FILE;

/** Peak RSS in KiB: this address space's own high-water mark (Linux), else ru_maxrss. */
function peakKiB() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, `${peakKiB()} ${usage.userCPUTime + usage.systemCPUTime}`);
  });
}
