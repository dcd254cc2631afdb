import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `monitor_resources`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'monitor_resources',
  description: 'placeholder: CPU, memory, load and disk figures',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'monitor_resources is not written yet');
  },
});
