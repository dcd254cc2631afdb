#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx's loader: no build step between a
// clone and a run, and plugins/configs written in TypeScript load the same way.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
