import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `sql_query`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'sql_query',
  description: 'placeholder: run a parameterised SQL query on SQLite',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'sql_query is not written yet');
  },
});
