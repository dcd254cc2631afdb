import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `parse_xml`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'parse_xml',
  description: 'placeholder: parse XML (no DTD, no entity expansion)',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'parse_xml is not written yet');
  },
});
