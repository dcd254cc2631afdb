import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `service_health`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'service_health',
  description: 'placeholder: TCP or HTTP health check',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'service_health is not written yet');
  },
});
