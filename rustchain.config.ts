// This repository's own RustChain config: the plugins its missions may use (listed
// explicitly, never discovered) and the default policy they run under. Paths are relative
// to this file. A run can widen the policy for one invocation with --allow-* flags.
import { defineConfig, FIRST_PARTY_PLUGINS } from '@rustchain/core';

export default defineConfig({
  // Every first-party step type (FIRST_PARTY_PLUGINS names each package explicitly).
  plugins: [...FIRST_PARTY_PLUGINS],
  policy: {
    stepTypes: '*',
    // What examples/*.yaml run: nothing else may be spawned without --allow-run.
    commands: { allow: ['wc', 'cat', 'echo'], shell: false },
    fs: { read: ['.'], write: ['.'] },
    // No example reaches the network; --allow-net=host opens one host for a run.
    net: { allow: [] },
    env: { allow: [] },
  },
});
