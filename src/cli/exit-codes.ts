/** Exit codes of every command; the README lists them. */
export const EXIT = {
  OK: 0,
  /** The workflow ran and failed (or was cancelled): see run_metadata.json. */
  RUN_FAILED: 1,
  /** Bad flags, dates, run ids, config files: nothing was started or written. */
  BAD_INPUT: 2,
  /** The environment is missing something: Temporal CLI, server, tokens. */
  ENVIRONMENT: 3,
} as const;
