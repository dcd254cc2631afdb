import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `file_search`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'file_search',
  description: 'placeholder: glob and content search inside the read roots',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'file_search is not written yet');
  },
});
