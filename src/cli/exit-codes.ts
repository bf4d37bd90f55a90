/**
 * Process exit codes of the CLI, in one place: 0 success (also after a graceful stop),
 * 1 a failure while running, 2 bad arguments, 130 stopped by a second interrupt.
 */

/** Exit codes the CLI uses. */
export const ExitCodes = {
  OK: 0,
  FAILED: 1,
  BAD_ARGS: 2,
  INTERRUPTED: 130,
} as const;
