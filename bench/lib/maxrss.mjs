// Preloaded (`node --import`) into a benchmarked child: on exit, writes the process's peak
// resident set (process.resourceUsage().maxRSS, KiB) and its CPU time (user + system, µs) to
// the file named by RUSTCHAIN_BENCH_RSS_FILE, so neither needs /usr/bin/time. CPU time is
// what a loaded machine distorts least (wall time there is mostly waiting for a core).
import { writeFileSync } from 'node:fs';

const file = process.env.RUSTCHAIN_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, `${usage.maxRSS} ${usage.userCPUTime + usage.systemCPUTime}`);
  });
}
