/**
 * The first-party plugin packages, one per step type. Used when no rustchain.config.* exists,
 * resolved from the CLI's own location, so a bare `rustchain mission execute` knows the
 * built-in step types (policy still keeps side effects to the working directory).
 */
export const FIRST_PARTY_PLUGINS: readonly string[] = Object.freeze([
  '@rustchain/plugin-noop',
  '@rustchain/plugin-create-file',
  '@rustchain/plugin-read-file',
  '@rustchain/plugin-edit-file',
  '@rustchain/plugin-delete-file',
  '@rustchain/plugin-copy-file',
  '@rustchain/plugin-move-file',
  '@rustchain/plugin-list-directory',
  '@rustchain/plugin-command',
  '@rustchain/plugin-http',
]);
