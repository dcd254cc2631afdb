import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `git_status`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'git_status',
  description: 'placeholder: parsed git status (porcelain v2)',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'git_status is not written yet');
  },
});
