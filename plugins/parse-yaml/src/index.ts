import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `parse_yaml`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'parse_yaml',
  description: 'placeholder: parse YAML text with the loader's hardened reader',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'parse_yaml is not written yet');
  },
});
