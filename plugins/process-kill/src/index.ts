import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `process_kill`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'process_kill',
  description: 'placeholder: stop a process this run started',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'process_kill is not written yet');
  },
});
