/**
 * The version of the run files and workflow a run writes (run_metadata.json's pipeline_version),
 * in a module of its own so that `volt-agent --version` can print it without loading Temporal.
 */
export const PIPELINE_VERSION = '3.0';
