/**
 * The volt-agent command line. Every failure ends in one line on stderr and a meaningful exit code
 * (src/cli/exit-codes.ts); nothing is started or written before the input has been checked.
 */
import { config as loadDotenv } from 'dotenv';
import { Command, CommanderError, Option } from 'commander';
import { ValidationError } from '../errors.js';
import { readJsonFile } from '../storage/json-storage.js';
import { DatasetPeriodSchema, SAMPLE_DATASET_PATH } from '../sandbox/dataset-info.js';
import { EXIT } from './exit-codes.js';
import { resolveRunOptions } from './options.js';
import { checkConfig } from './preflight.js';
import type { Output } from './run-command.js';
import { RUN_STATUSES } from '../storage/schemas.js';

// Commands load their modules (Temporal client, worker, sandbox) only when they run: help and
// list-runs stay quick.
const manage = () => import('./manage-commands.js');
const runner = () => import('./run-command.js');
const services = () => import('./service-command.js');
const workers = () => import('./worker-command.js');
const WORKER_ENV_HELP = 'VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES, VOLT_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES, VOLT_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, VOLT_WORKER_SHUTDOWN_GRACE_SECONDS';

const out: Output = {
  info: (line) => console.error(line),
  result: (line) => console.log(line),
};

const OUTPUT_DIR_HELP = 'where the run directories are';

/** The simulated Fibery latency of sandbox runs: long enough to watch a run, short enough to wait for. */
const DEFAULT_SANDBOX_LATENCY_MS = 1500;

function sandboxLatency(flag: string | undefined): number {
  const value = flag ?? process.env.VOLT_SANDBOX_FIBERY_LATENCY_MS;
  if (value === undefined || value === '') return DEFAULT_SANDBOX_LATENCY_MS;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) throw new ValidationError(`--sandbox-latency must be a whole number of milliseconds from 0 to 60000, not "${value}"`);
  return ms;
}

function program(): Command {
  const cli = new Command('volt-agent')
    .description('Turn a team\'s Toggl Track time into reports of what the team worked on, enriched from Fibery and orchestrated by Temporal.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  volt-agent demo                                              the whole pipeline on the sample workspace
  volt-agent run --start-date 2025-10-07 --end-date 2025-10-13
  volt-agent list-runs --status failed
  volt-agent show-run --run-id run_2025-10-10-15-30-45
  TEMPORAL_ADDRESS=localhost:7233 volt-agent worker            the production topology (docker compose up -d first)

Exit codes: 0 ok, 1 the run failed or was cancelled, 2 bad input, 3 the environment (Temporal, worker) is missing something.`,
    );

  cli
    .command('run')
    .description('Run the pipeline for a period: fetch Toggl entries, enrich their Fibery entities, write the reports; shows live progress.')
    .option('--start-date <date>', 'first day of the period, YYYY-MM-DD (required unless --start-from fibery)')
    .option('--end-date <date>', 'last day of the period, YYYY-MM-DD, inclusive')
    .option('--users <emails>', 'comma-separated Toggl user emails (default: everyone with time)')
    .option('--output-dir <dir>', 'where run directories go', './tmp/runs')
    .addOption(new Option('--start-from <stage>', 'toggl: the whole pipeline; fibery: redo enrichment and reports of --run-id').choices(['toggl', 'fibery']).default('toggl'))
    .option('--run-id <id>', 'run id (required with --start-from fibery; default run_YYYY-MM-DD-HH-MM-SS)')
    .option('--sandbox', 'use the built-in Toggl and Fibery simulators instead of the real APIs (no tokens needed)', false)
    .option('--dataset <file>', 'with --sandbox: the dataset the simulators serve (default: the sample workspace)')
    .option('--sandbox-latency <ms>', `with --sandbox: how long the Fibery simulator takes per request, like the real API (default ${DEFAULT_SANDBOX_LATENCY_MS}; 0 = at once)`)
    .option('--json', 'print the result as one JSON object on stdout (progress as plain lines on stderr)', false)
    .addHelpText(
      'after',
      `
Examples:
  volt-agent run --start-date 2025-10-07 --end-date 2025-10-13
  volt-agent run --start-date 2025-10-07 --end-date 2025-10-13 --users john@example.com,jane@example.com
  volt-agent run --start-from fibery --run-id run_2025-10-10-15-30-45
  volt-agent run --sandbox --start-date 2026-11-09 --end-date 2026-11-22
  volt-agent run --sandbox --sandbox-latency 0 --start-date 2026-11-09 --end-date 2026-11-15

On a terminal the progress is a live box: 'q' stops watching (the run goes on), 'd' opens the run in
the Temporal UI. Piped, in CI or with NO_COLOR it is plain lines.

Tokens come from the environment or .env: TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID, FIBERY_API_TOKEN,
FIBERY_WORKSPACE, and optionally OPENAI_API_KEY or ANTHROPIC_API_KEY. Without TEMPORAL_ADDRESS a
background service (embedded Temporal server and worker, state in VOLT_STATE_DIR, default
./tmp/temporal) runs the workflow and stops itself when idle; with it, start \`volt-agent worker\`.`,
    )
    .action(async (opts) => {
      const options = await resolveRunOptions(opts);
      await checkConfig(process.env);
      process.exitCode = await (await runner()).runPipeline({ ...options, sandbox: opts.sandbox, datasetPath: opts.dataset, sandboxLatencyMs: sandboxLatency(opts.sandboxLatency), json: opts.json }, out);
    });

  cli
    .command('demo')
    .description('Run the whole pipeline on the built-in sample workspace: local simulators, embedded Temporal, no tokens, no internet.')
    .option('--output-dir <dir>', 'where the run directory goes', './tmp/runs')
    .option('--dataset <file>', 'another dataset for the simulators', SAMPLE_DATASET_PATH)
    .option('--sandbox-latency <ms>', `how long the Fibery simulator takes per request, like the real API (default ${DEFAULT_SANDBOX_LATENCY_MS}; 0 = at once)`)
    .option('--json', 'print the result as one JSON object on stdout', false)
    .addHelpText('after', '\nExamples:\n  volt-agent demo\n  volt-agent demo --output-dir /tmp/volt-demo --json\n  volt-agent demo --sandbox-latency 0          as fast as it goes')
    .action(async (opts) => {
      const period = (await readJsonFile(opts.dataset, DatasetPeriodSchema)).period;
      const options = await resolveRunOptions({ outputDir: opts.outputDir, startFrom: 'toggl', startDate: period.start_date, endDate: period.end_date });
      await checkConfig(process.env);
      process.exitCode = await (await runner()).runPipeline({ ...options, sandbox: true, datasetPath: opts.dataset, sandboxLatencyMs: sandboxLatency(opts.sandboxLatency), json: opts.json }, out);
    });

  cli
    .command('list-runs')
    .description('List runs, newest first: id, status, period, users, start, duration, stages.')
    .option('--limit <n>', 'how many runs to show', '10')
    .addOption(new Option('--status <status>', 'only runs with this status').choices([...RUN_STATUSES]))
    .option('--output-dir <dir>', OUTPUT_DIR_HELP, './tmp/runs')
    .option('--json', 'print a JSON array: each run\'s run_metadata.json plus run_dir and duration_seconds', false)
    .addHelpText(
      'after',
      `
Examples:
  volt-agent list-runs
  volt-agent list-runs --status failed --limit 50
  volt-agent list-runs --json | jq -r '.[] | select(.status == "completed") | .run_id'

A directory that is not a readable run is listed as "unreadable" with the reason.`,
    )
    .action(async (opts) => {
      process.exitCode = await (await manage()).listRunsCommand(opts, out);
    });

  cli
    .command('show-run')
    .description('Show one run: parameters, status, stages, timings, counts, files with sizes, the error of a failed run, and live progress while it runs.')
    .requiredOption('--run-id <id>', 'the run (see volt-agent list-runs)')
    .option('--output-dir <dir>', OUTPUT_DIR_HELP, './tmp/runs')
    .option('--json', 'print run_metadata.json plus run_dir, duration_seconds, counts, files, workflow_status and progress', false)
    .option('--watch', 'for a run in progress: follow it live until it ends (as volt-agent run does)', false)
    .addHelpText(
      'after',
      `
Examples:
  volt-agent show-run --run-id run_2025-10-10-15-30-45
  volt-agent show-run --run-id run_2025-10-10-15-30-45 --watch
  volt-agent show-run --run-id run_2025-10-10-15-30-45 --json | jq .counts`,
    )
    .action(async (opts) => {
      process.exitCode = await (await manage()).showRunCommand(opts, out);
    });

  cli
    .command('cancel-run')
    .description('Cancel a run in progress: its workflow stops, and run_metadata.json records "cancelled".')
    .requiredOption('--run-id <id>', 'the run to cancel')
    .option('--output-dir <dir>', OUTPUT_DIR_HELP, './tmp/runs')
    .option('--wait <seconds>', 'how long to wait for the workflow to finish cancelling', '30')
    .addHelpText(
      'after',
      `
Example:
  volt-agent cancel-run --run-id run_2025-10-10-15-30-45

A run that has already finished, or an unknown run id, is refused with exit code 2.`,
    )
    .action(async (opts) => {
      process.exitCode = await (await manage()).cancelRunCommand({ runId: opts.runId, outputDir: opts.outputDir, waitSeconds: opts.wait }, out);
    });

  cli
    .command('temporal-ui')
    .description('Open (or print) the URL of a run\'s workflow in the Temporal UI.')
    .requiredOption('--run-id <id>', 'the run')
    .option('--output-dir <dir>', OUTPUT_DIR_HELP, './tmp/runs')
    .option('--no-open', 'only print the URL')
    .addHelpText(
      'after',
      `
Examples:
  volt-agent temporal-ui --run-id run_2025-10-10-15-30-45
  TEMPORAL_ADDRESS=localhost:7233 TEMPORAL_UI_URL=http://localhost:8080 volt-agent temporal-ui --run-id run_2025-10-10-15-30-45

Embedded mode: the background dev server's own UI. With TEMPORAL_ADDRESS: TEMPORAL_UI_URL
(default http://localhost:8080). The URL is always printed; a browser opens where there is one.`,
    )
    .action(async (opts) => {
      process.exitCode = await (await manage()).temporalUiCommand(opts, out);
    });

  cli
    .command('worker')
    .description('Run the Temporal worker (task queue volt-agent-pipeline) against TEMPORAL_ADDRESS until SIGINT/SIGTERM.')
    .option('--max-concurrent-activities <n>', 'activity tasks at once (default 10)')
    .option('--max-concurrent-local-activities <n>', 'local activities at once (default 10)')
    .option('--max-concurrent-workflow-tasks <n>', 'workflow tasks at once (default 2; 1 turns the workflow cache off)')
    .option('--shutdown-grace <seconds>', 'on SIGINT/SIGTERM, how long in-flight activities may take to finish (default 30)')
    .addHelpText(
      'after',
      `
Examples:
  TEMPORAL_ADDRESS=localhost:7233 volt-agent worker
  TEMPORAL_ADDRESS=temporal.internal:7233 TEMPORAL_NAMESPACE=reports volt-agent worker --max-concurrent-activities 4

Defaults can also come from ${WORKER_ENV_HELP}.
The worker reads the tokens (TOGGL_*, FIBERY_*, OPENAI_*/ANTHROPIC_*) from its own environment or .env.`,
    )
    .action(async (opts) => {
      process.exitCode = await (await workers()).runWorker(opts, out);
    });

  const service = cli
    .command('service')
    .description('The embedded mode\'s background service (Temporal dev server + workers); the other commands start it when needed.')
    .addHelpText(
      'after',
      `
Examples:
  volt-agent service status
  volt-agent service stop

It keeps its state in VOLT_STATE_DIR (default ./tmp/temporal) and stops itself after
VOLT_SERVICE_IDLE_SECONDS (default 120) without a running workflow.`,
    );
  service
    .command('start')
    .description('Run the service in the foreground (the other commands start it in the background).')
    .option('--temporal-cli <path>', 'the temporal binary to use (default: found or installed as usual)')
    .addHelpText('after', '\nExample:\n  VOLT_STATE_DIR=/var/lib/volt volt-agent service start')
    .action(async (opts) => {
      process.exitCode = await (await services()).serviceStartCommand(opts, out);
    });
  service
    .command('stop')
    .description('Stop the background service of VOLT_STATE_DIR (running workflows resume when it starts again).')
    .addHelpText('after', '\nExample:\n  volt-agent service stop')
    .action(async () => {
      process.exitCode = await (await services()).serviceStopCommand(out);
    });
  service
    .command('status')
    .description('Show whether the background service runs, its addresses, UI, running workflows and sandboxes.')
    .option('--json', 'print JSON', false)
    .addHelpText('after', '\nExample:\n  volt-agent service status --json')
    .action(async (opts) => {
      process.exitCode = await (await services()).serviceStatusCommand(opts, out);
    });
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  loadDotenv({ quiet: true });
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    }
    if (error instanceof ValidationError) {
      console.error(`volt-agent: ${error.message}`);
      return EXIT.BAD_INPUT;
    }
    console.error(`volt-agent: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.VOLT_DEBUG) console.error(error);
    return EXIT.ENVIRONMENT;
  }
}
