#!/usr/bin/env node
// V8's default tier-up hands a function to its optimising compiler (TurboFan) once ~66 KB of
// its bytecode has run: tuned for long-lived pages. A CLI run is short, and a 4,000-step mission
// spent more CPU compiling in the background (~170 ms) than running its steps. With a larger
// budget only what stays hot gets optimised. Three times the default first (finding 23: 1,000 to
// 10,000-step runs ~20 % less CPU); six times now (finding 27, alternated runs in one hour): a
// 4,020-step run another ~16 µs of CPU less per step, the 10,000-step fan-out ~10 % less CPU and
// ~3 % less wall, a 50,000-step chain ~3 % more of both, a 20-step run and validating 80,000
// steps unchanged.
//
// V8 also allocates an allocation site's objects straight in the old generation once most of
// them have survived a scavenge ("pretenuring"). A run's short-lived per-step objects are taken
// for long-lived that way: a 50,000-step chain grew its old generation by ~0.3 KB of garbage per
// step (~0.1 KB without the ledger's step events, ~0.1 KB without pretenuring) and peaked at
// 154 MB RSS; without pretenuring 139 MB, at the same or lower CPU in every end-to-end
// benchmark (finding 24).
//
// Set before anything else loads; only on the V8 they were measured on (Node 20's 11.x), since
// an unknown flag would print an error on stdout.
import { setFlagsFromString } from 'node:v8';
if (process.versions.v8.startsWith('11.')) {
  setFlagsFromString('--interrupt-budget=400000');
  setFlagsFromString('--no-allocation-site-pretenuring');
}
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
