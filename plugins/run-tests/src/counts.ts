import { sumMatches } from '@rustchain/plugin-compile-code';

/** Test counts from each runner's summary lines. */

/** cargo test: one "test result:" line per test binary (unit, integration, doc tests), summed. */
export function cargoTestCounts(stdout: string): Record<string, number> | null {
  return sumMatches(stdout, /^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/m, ['passed', 'failed', 'ignored']);
}

/**
 * node --test (what `npm test` usually runs): the TAP summary (`# pass N`), or the spec
 * reporter's (`ℹ pass N`) when a reporter is forced. The last summary wins.
 */
export function nodeTestCounts(stdout: string): Record<string, number> | null {
  const names = { tests: 'tests', pass: 'passed', fail: 'failed', skipped: 'skipped', todo: 'todo', cancelled: 'cancelled' } as const;
  const counts: Record<string, number> = {};
  for (const match of stdout.matchAll(/^(?:#|ℹ) (tests|pass|fail|skipped|todo|cancelled) (\d+)\s*$/gm)) {
    counts[names[match[1] as keyof typeof names]] = Number(match[2]);
  }
  return Object.keys(counts).length > 0 ? counts : null;
}

/**
 * go test ./...: `ok <pkg>` and `FAIL <pkg>` lines count packages; `--- FAIL:` lines count the
 * failed tests (passing tests are only listed with -v: `--- PASS:`).
 */
export function goTestCounts(stdout: string): Record<string, number> | null {
  const count = (re: RegExp) => [...stdout.matchAll(re)].length;
  const counts = {
    packages_passed: count(/^ok\s+\S+/gm),
    packages_failed: count(/^FAIL\s+\S+/gm),
    passed: count(/^\s*--- PASS:/gm),
    failed: count(/^\s*--- FAIL:/gm),
    skipped: count(/^\s*--- SKIP:/gm),
  };
  return counts.packages_passed + counts.packages_failed === 0 ? null : counts;
}
