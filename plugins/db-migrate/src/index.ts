import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `db_migrate`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'db_migrate',
  description: 'placeholder: apply SQL migrations to SQLite, recorded in a table',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'db_migrate is not written yet');
  },
});
