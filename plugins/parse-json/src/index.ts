import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `parse_json`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'parse_json',
  description: 'placeholder: parse JSON text into a value',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'parse_json is not written yet');
  },
});
