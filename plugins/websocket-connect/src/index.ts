import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `websocket_connect`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'websocket_connect',
  description: 'placeholder: WebSocket: send, collect messages',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'websocket_connect is not written yet');
  },
});
