import { createRequire } from 'node:module';
import type * as TypeScript from 'typescript';

const require = createRequire(import.meta.url);
let loaded: typeof TypeScript | undefined;

/**
 * The TypeScript compiler API, loaded on first use with `require`: an ESM `import` of the
 * CommonJS `typescript` package makes Node scan its ~9 MB source for named exports first, and a
 * compile whose type-check result is cached (typecheck-cache.ts) never needs TypeScript at all.
 */
export const ts: typeof TypeScript = new Proxy({} as typeof TypeScript, {
  get: (_, key) => (loaded ??= require('typescript') as typeof TypeScript)[key as keyof typeof TypeScript],
});

/** The installed TypeScript's version, read without loading the compiler. */
export function typescriptVersion(): string {
  return (require('typescript/package.json') as { version: string }).version;
}
