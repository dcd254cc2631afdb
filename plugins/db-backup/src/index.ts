import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `db_backup`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'db_backup',
  description: 'placeholder: back up a SQLite database',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'db_backup is not written yet');
  },
});
