// PLACEHOLDER: replaced by the real plugin (issue 14).
import { definePlugin, PluginError, Type } from "@rustchain/core/plugin";

/** PLACEHOLDER for `tool`. */
export default definePlugin({
  type: "tool",
  description: "placeholder",
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: "pure",
  claims: () => [],
  run() {
    throw new PluginError("E_PLUGIN_INVALID", "not built yet");
  },
});
