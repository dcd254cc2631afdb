/** Process exit codes of the CLI contract (DESIGN.md "CLI contract"). */
export const EXIT = {
  /** Everything succeeded. */
  ok: 0,
  /** The mission ran and failed; verification found tampering; policy violations found. */
  failed: 1,
  /** Invalid input (usage, parse, schema, cycle, unknown step type, refused by policy): nothing ran. */
  invalid: 2,
  /** A bug: an unexpected exception. */
  internal: 3,
  /** Cancelled by SIGINT. */
  sigint: 130,
  /** Cancelled by SIGTERM. */
  sigterm: 143,
} as const satisfies Record<string, number>;

