import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `decompress`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'decompress',
  description: 'placeholder: extract tar, tar.gz or zip archives safely',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'decompress is not written yet');
  },
});
