import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `process_start`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'process_start',
  description: 'placeholder: start a background process owned by the run',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'process_start is not written yet');
  },
});
