import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `ssh_execute`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'ssh_execute',
  description: 'placeholder: run a command over SSH (key-based, pinned host key)',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'ssh_execute is not written yet');
  },
});
