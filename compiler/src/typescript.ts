import { createRequire } from 'node:module';
import type * as TypeScript from 'typescript';

/**
 * The TypeScript compiler API, loaded with `require`. An ESM `import` of the CommonJS
 * `typescript` package makes Node scan its ~9 MB source for named exports first (measured
 * ~0.9 s CPU of every `rustchain compile`); `require` skips that scan.
 */
export const ts: typeof TypeScript = createRequire(import.meta.url)('typescript') as typeof TypeScript;
