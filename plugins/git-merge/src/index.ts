import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `git_merge`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'git_merge',
  description: 'placeholder: merge a branch',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'git_merge is not written yet');
  },
});
