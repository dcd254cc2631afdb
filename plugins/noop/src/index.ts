import { definePlugin, Type } from '@rustchain/core/plugin';

/** `noop`: takes no parameters and always succeeds (placeholders, join points in a DAG). */
export default definePlugin({
  type: 'noop',
  description: 'Does nothing and succeeds; useful as a join point or placeholder.',
  // Unknown keys are tolerated: the original ignored them and corpus missions carry some.
  params: Type.Object({}, { additionalProperties: true }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'pure',
  claims: () => [],
  async run() {
    return {};
  },
});
