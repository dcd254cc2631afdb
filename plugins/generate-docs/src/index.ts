import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `generate_docs`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'generate_docs',
  description: 'placeholder: Markdown docs from extracted functions and doc comments',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'generate_docs is not written yet');
  },
});
