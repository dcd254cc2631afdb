/**
 * @rustchain/cli public API: run the `rustchain` command line in-process (what the bin does),
 * e.g. from a wrapper script or a test. Everything else in this package is internal.
 */
export { runCli } from './cli.ts';
