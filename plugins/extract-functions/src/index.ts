import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `extract_functions`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'extract_functions',
  description: 'placeholder: list functions with signatures and line ranges (TypeScript compiler API)',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'extract_functions is not written yet');
  },
});
