import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `format_code`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'format_code',
  description: 'placeholder: format a project with its toolchain',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'format_code is not written yet');
  },
});
