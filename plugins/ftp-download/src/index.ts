import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/** `ftp_download`: PLACEHOLDER being written (issue 13); must be replaced or removed before landing. */
export default definePlugin({
  type: 'ftp_download',
  description: 'placeholder: download a file over FTP/FTPS',
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'side-effect',
  async run() {
    throw new PluginError('E_NOT_IMPLEMENTED', 'ftp_download is not written yet');
  },
});
