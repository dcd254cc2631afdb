import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `ping_host`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'ping_host',
  description: 'placeholder: reachability by TCP connect (ICMP through an allowed ping)',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'ping_host is not written yet');
  },
});
