import { execFileSync } from 'node:child_process';
import type { StepContext } from '../../core/src/plugin/sdk.ts';
import type { Policy } from '../../core/src/policy/types.ts';
import { ctxFor } from '../core/capabilities/helpers.ts';
import { write } from './git-helpers.ts';

/** Fixtures for the code step-type tests: tiny real projects, real toolchains. */

/** The host env the toolchains need: PATH, and HOME for rustup's and npm's own directories. */
export const TOOL_ENV = { PATH: process.env['PATH'], HOME: process.env['HOME'] };

/** A step context whose children see the toolchain env. */
export function codeCtx(root: string, policy: Policy): StepContext {
  return ctxFor(root, policy, { env: TOOL_ENV });
}

/** Whether `command` runs here (`--version` exits 0). */
export function installed(command: string): boolean {
  try {
    execFileSync(command, [command === 'go' ? 'version' : '--version'], { stdio: 'ignore', env: TOOL_ENV });
    return true;
  } catch {
    return false;
  }
}

/** A crate without dependencies: `add`, one passing and (with `failing`) one failing test. */
export function rustCrate(root: string, options: { failing?: boolean; broken?: boolean; unformatted?: boolean } = {}): void {
  const body = options.broken ? 'pub fn add(a: i32, b: i32) -> i32 { a + c + d }\n' : options.unformatted ? 'pub fn add(a:i32,b:i32)->i32{a+b}\n' : 'pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n';
  const tests = [
    '    #[test]\n    fn adds() {\n        assert_eq!(super::add(1, 2), 3);\n    }\n',
    ...(options.failing ? ['    #[test]\n    fn wrong() {\n        assert_eq!(super::add(1, 2), 4);\n    }\n'] : []),
  ];
  write(root, {
    'Cargo.toml': '[package]\nname = "tiny"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
    'src/lib.rs': `${body}\n#[cfg(test)]\nmod tests {\n${tests.join('\n')}}\n`,
  });
}

/** A node package whose `npm test` is `node --test` over one passing and (with `failing`) one failing test. */
export function nodePackage(root: string, options: { failing?: boolean; build?: string } = {}): void {
  write(root, {
    'package.json': JSON.stringify({ name: 'tiny', version: '1.0.0', private: true, scripts: { test: 'node --test', build: options.build ?? 'node build.js' } }),
    'build.js': "require('node:fs').writeFileSync('out.txt', 'built');\n",
    'test/ok.test.js': "const { test } = require('node:test');\ntest('adds', () => { if (1 + 2 !== 3) throw new Error('no'); });\n",
    ...(options.failing ? { 'test/bad.test.js': "const { test } = require('node:test');\ntest('wrong', () => { throw new Error('expected failure'); });\n" } : {}),
  });
}
