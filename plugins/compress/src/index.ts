import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `compress`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'compress',
  description: 'placeholder: create tar, tar.gz or zip archives',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'compress is not written yet');
  },
});
