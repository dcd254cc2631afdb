import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `validate_schema`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'validate_schema',
  description: 'placeholder: validate data against a JSON Schema',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'validate_schema is not written yet');
  },
});
