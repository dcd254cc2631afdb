/**
 * The config every git run gets: it turns off every place a repository can make git run code
 * or wait for a human. It goes in through GIT_CONFIG_COUNT/KEY/VALUE rather than `-c` flags so
 * the argv stays `git <subcommand> ...` and `commands.rules` patterns such as `status *` match.
 * Config given this way overrides the repository's own .git/config (command-line scope).
 */

/** Config forced on every git run, and why. */
export const GIT_HARDENING: ReadonlyArray<readonly [key: string, value: string, why: string]> = [
  ['core.fsmonitor', 'false', 'a repository config can name a program git runs on every status'],
  ['core.hooksPath', '/dev/null', 'hooks are programs the repository chooses'],
  ['core.pager', 'cat', 'never page (same as --no-pager)'],
  ['core.quotePath', 'false', 'paths come back as written'],
  ['color.ui', 'false', 'no escape codes in parsed output'],
  ['commit.gpgSign', 'false', 'signing would run gpg and may prompt'],
  ['tag.gpgSign', 'false', 'signing would run gpg and may prompt'],
  ['gc.auto', '0', 'no background gc left running after the step'],
  ['maintenance.auto', 'false', 'no background maintenance left running after the step'],
  ['protocol.allow', 'never', 'the git steps are local: no fetch through any transport'],
  ['submodule.recurse', 'false', 'no submodule fetch or checkout as a side effect'],
  ['credential.helper', '', 'no credential helper program'],
  ['advice.detachedHead', 'false', 'quieter stderr'],
];

/** Environment of every git run: the hardening above, no prompts, no editor, C messages. */
export function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {
    GIT_CONFIG_COUNT: String(GIT_HARDENING.length),
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_PAGER: 'cat',
    GIT_EDITOR: 'true',
    LC_ALL: 'C',
  };
  GIT_HARDENING.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}
