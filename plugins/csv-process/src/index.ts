import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `csv_process`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'csv_process',
  description: 'placeholder: parse CSV (quoting, headers, delimiter)',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'csv_process is not written yet');
  },
});
