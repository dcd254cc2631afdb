import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `redis_set`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'redis_set',
  description: 'placeholder: set a Redis key',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'redis_set is not written yet');
  },
});
