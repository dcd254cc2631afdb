import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { isInside } from '../../../core/src/capabilities/real-path.ts';
import { checkPath } from '../../../core/src/policy/fs-rules.ts';
import { policyFor, tempDir } from './helpers.ts';

/**
 * Property: for random relative paths over a tree with inside and outside symlinks, the
 * guard allows a path iff its real path is inside the root (exactly, when the path exists),
 * and never allows a path whose existing part leads outside (when it does not).
 */
test('path guard: allowed iff the realpath is inside the root', async (t) => {
  const root = await tempDir(t, 'rc-prop-root-');
  const outside = await tempDir(t, 'rc-prop-out-');
  await mkdir(join(root, 'a', 'a'), { recursive: true });
  await writeFile(join(root, 'a', 'b'), 'file');
  await symlink('a', join(root, 'b')); // inside
  await symlink(outside, join(root, 'link')); // absolute, outside
  await symlink('../..', join(root, 'a', 'link')); // relative chain, outside
  await symlink('../b', join(root, 'a', 'a', 'link')); // relative, inside (a file)
  await mkdir(join(outside, 'a'));
  await writeFile(join(outside, 'b'), 'o');
  const policy = policyFor(root);

  const segment = fc.constantFrom('a', 'b', '..', '.', 'link');
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
      const rel = segments.join('/');
      const decision = checkPath(policy, rel, 'read', root);
      let real: string | null = null;
      try {
        real = realpathSync.native(`${root}/${rel}`);
      } catch {
        real = null;
      }
      if (real !== null) {
        assert.equal('resolved' in decision, isInside(real, root), `${rel} -> ${real}`);
        if ('resolved' in decision) assert.equal(decision.resolved, real, rel);
        return;
      }
      if (!('resolved' in decision)) return;
      // Not existing but allowed: its existing part must be symlink-free and inside the root.
      assert.ok(isInside(decision.resolved, root), rel);
      let ancestor = decision.resolved;
      while (!existsSync(ancestor)) ancestor = dirname(ancestor);
      assert.equal(realpathSync(ancestor), ancestor, rel);
      assert.ok(isInside(ancestor, root), rel);
    }),
    { numRuns: 2000 },
  );
});
