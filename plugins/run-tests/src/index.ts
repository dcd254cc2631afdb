import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `run_tests`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'run_tests',
  description: 'placeholder: run a project's tests with its toolchain',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'run_tests is not written yet');
  },
});
