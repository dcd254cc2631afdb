#!/usr/bin/env node
// Builds every workspace package (tsup, see tsup.package.ts) into its dist/, two at a time
// (this machine has two cores). Packages build from their own sources and keep other
// @rustchain packages external, so the order does not matter. Exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsup = join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** `plugins/*` → every directory under plugins/ with a package.json; other patterns are paths. */
const expand = (pattern) => pattern.endsWith('/*')
  ? readdirSync(join(root, pattern.slice(0, -2))).map((name) => join(root, pattern.slice(0, -2), name))
  : [join(root, pattern)];
const dirs = workspaces.flatMap(expand).filter((dir) => existsSync(join(dir, 'package.json'))).sort();
const only = process.argv.slice(2);
const queue = dirs.filter((dir) => only.length === 0 || only.some((part) => dir.includes(part)));

function build(dir) {
  const config = join(root, 'tsup.package.ts');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsup, '--config', config, '--silent'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (code) => resolve(code === 0));
  });
}

const started = Date.now();
const failed = [];
async function worker() {
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    if (!(await build(dir))) failed.push(dir);
  }
}
const count = queue.length;
await Promise.all(Array.from({ length: Math.min(2, availableParallelism()) }, worker));
if (failed.length > 0) {
  console.error(`build: failed in ${failed.map((dir) => dir.slice(root.length + 1)).join(', ')}`);
  process.exit(1);
}
console.log(`build: ${count} packages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
