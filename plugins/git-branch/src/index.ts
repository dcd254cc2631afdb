import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `git_branch`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'git_branch',
  description: 'placeholder: create or switch a branch',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'git_branch is not written yet');
  },
});
