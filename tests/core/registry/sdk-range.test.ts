import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import satisfies from 'semver/functions/satisfies.js';
import { resolvePackage } from '../../../core/src/registry/resolve-package.ts';
import { sdkMismatch } from '../../../core/src/registry/sdk-range.ts';

const core = (JSON.parse(readFileSync(new URL('../../../core/package.json', import.meta.url), 'utf8')) as { version: string }).version;

test('a plugin\'s SDK range is judged as semver judges it, the exact and caret shortcut included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rc-sdk-range-'));
  const judged = (range: string): boolean => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', peerDependencies: { '@rustchain/core': range } }));
    return sdkMismatch(resolvePackage(dir, dir).sdkRange) === null;
  };
  try {
    const [major, minor, patch] = core.split('.').map(Number) as [number, number, number];
    const near = fc.tuple(fc.integer({ min: 0, max: major + 2 }), fc.integer({ min: 0, max: minor + 2 }), fc.integer({ min: 0, max: patch + 2 })).map((v) => v.join('.'));
    const range = fc.oneof(
      fc.constantFrom(core, `^${core}`, `~${core}`, `>=${core}`, `<${core}`, `${major}.x`, '*', `^${major + 1}.0.0`),
      near,
      near.map((v) => `^${v}`),
      near.map((v) => `~${v}`),
      fc.tuple(near, near).map(([a, b]) => `>=${a} <${b}`),
    );
    fc.assert(fc.property(range, (r) => judged(r) === satisfies(core, r, { includePrerelease: true })), { numRuns: 300 });
    assert.equal(judged(`^${core}`), true);
    assert.equal(judged(`^${major + 99}.0.0`), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
