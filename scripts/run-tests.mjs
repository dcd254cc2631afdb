#!/usr/bin/env node
// Node 20's `node --test` takes no globs and finds only .js files, so we list every
// *.test.ts ourselves and hand them over explicitly. Exits non-zero when no test is found:
// a run that executes nothing is not a passing run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', '.git', '.rustchain', 'dist', 'fixtures']);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.test.ts')) yield relative(root, path);
  }
}

const filter = process.argv.slice(2);
const files = [...walk(root)]
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files found');
  process.exit(1);
}
// Ledger signing keys live in the user's config dir (XDG_CONFIG_HOME): tests get a throwaway one.
const configHome = mkdtempSync(join(tmpdir(), 'rustchain-test-config-'));
const result = spawnSync(
  process.execPath,
  ['--conditions=@rustchain/source', '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { cwd: root, stdio: 'inherit', env: {
      ...process.env,
      XDG_CONFIG_HOME: configHome,
      // The CLI a test spawns runs the sources too (cli/bin picks dist/ without this condition).
      NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', '--conditions=@rustchain/source'].join(' ').trim(),
    },
  },
);
rmSync(configHome, { recursive: true, force: true });
process.exit(result.status ?? 1);
