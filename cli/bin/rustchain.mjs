#!/usr/bin/env node
// The installed CLI runs its built JavaScript (dist/), with no TypeScript loader at start-up:
// tsx is imported later, and only to load a user's own .ts config or compiled .mission.ts.
// Inside this repository, tests and benchmarks run the sources instead: they start node with
// the `@rustchain/source` export condition (in execArgv or NODE_OPTIONS), which selects
// src/*.ts for every @rustchain package, so the CLI's own sources are loaded through tsx too.
const fromSource = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('@rustchain/source'));
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
} else {
  await import('../dist/main.js');
}
