import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `git_commit`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'git_commit',
  description: 'placeholder: commit staged or all changes',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'git_commit is not written yet');
  },
});
