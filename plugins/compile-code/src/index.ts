import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `compile_code`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'compile_code',
  description: 'placeholder: build a project with its toolchain (cargo, go, npm)',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'compile_code is not written yet');
  },
});
