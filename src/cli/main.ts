/**
 * The volt-agent command line. Every failure ends in one line on stderr and a meaningful exit code
 * (src/cli/exit-codes.ts); nothing is started or written before the input has been checked.
 */
import { config as loadDotenv } from 'dotenv';
import { Command, CommanderError, Option } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ValidationError } from '../errors.js';
import { readJsonFile } from '../storage/json-storage.js';
import { DatasetPeriodSchema, SAMPLE_DATASET_PATH } from '../sandbox/dataset-info.js';
import { EXIT } from './exit-codes.js';
import { resolveRunOptions } from './options.js';
import { runPipeline, type Output } from './run-command.js';
import { runWorker } from './worker-command.js';

const out: Output = {
  info: (line) => console.error(line),
  result: (line) => console.log(line),
};

function program(): Command {
  const cli = new Command('volt-agent')
    .description('Turn a team\'s Toggl Track time into reports of what the team worked on, enriched from Fibery and orchestrated by Temporal.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const runCommand = cli
    .command('run')
    .description('Run the pipeline for a period: fetch Toggl entries, enrich their Fibery entities, write the reports.')
    .option('--start-date <date>', 'first day of the period, YYYY-MM-DD (required unless --start-from fibery)')
    .option('--end-date <date>', 'last day of the period, YYYY-MM-DD, inclusive')
    .option('--users <emails>', 'comma-separated Toggl user emails (default: everyone with time)')
    .option('--output-dir <dir>', 'where run directories go', './tmp/runs')
    .addOption(new Option('--start-from <stage>', 'toggl: the whole pipeline; fibery: redo enrichment and reports of --run-id').choices(['toggl', 'fibery']).default('toggl'))
    .option('--run-id <id>', 'run id (required with --start-from fibery; default run_YYYY-MM-DD-HH-MM-SS)')
    .option('--sandbox', 'use the built-in Toggl and Fibery simulators instead of the real APIs (no tokens needed)', false)
    .option('--dataset <file>', 'with --sandbox: the dataset the simulators serve (default: the sample workspace)')
    .option('--json', 'print the result as one JSON object on stdout', false)
    .addHelpText(
      'after',
      `
Examples:
  volt-agent run --start-date 2025-10-07 --end-date 2025-10-13
  volt-agent run --start-date 2025-10-07 --end-date 2025-10-13 --users john@example.com,jane@example.com
  volt-agent run --start-from fibery --run-id run_2025-10-10-15-30-45
  volt-agent run --sandbox --start-date 2026-11-09 --end-date 2026-11-22

Tokens come from the environment or .env: TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID, FIBERY_API_TOKEN,
FIBERY_WORKSPACE, and optionally OPENAI_API_KEY or ANTHROPIC_API_KEY. Without TEMPORAL_ADDRESS an
embedded Temporal server and worker run inside this command.`,
    )
    .action(async (opts) => {
      const options = await resolveRunOptions(opts);
      process.exitCode = await runPipeline({ ...options, sandbox: opts.sandbox, datasetPath: opts.dataset, json: opts.json }, out);
    });
  void runCommand;

  cli
    .command('demo')
    .description('Run the whole pipeline on the built-in sample workspace: local simulators, embedded Temporal, no tokens, no internet.')
    .option('--output-dir <dir>', 'where the run directory goes', './tmp/runs')
    .option('--dataset <file>', 'another dataset for the simulators', SAMPLE_DATASET_PATH)
    .option('--json', 'print the result as one JSON object on stdout', false)
    .addHelpText('after', '\nExample:\n  volt-agent demo --output-dir /tmp/volt-demo')
    .action(async (opts) => {
      const period = (await readJsonFile(opts.dataset, DatasetPeriodSchema)).period;
      const options = await resolveRunOptions({ outputDir: opts.outputDir, startFrom: 'toggl', startDate: period.start_date, endDate: period.end_date });
      process.exitCode = await runPipeline({ ...options, sandbox: true, datasetPath: opts.dataset, json: opts.json }, out);
    });

  cli
    .command('worker')
    .description('Run the Temporal worker (task queue volt-agent-pipeline) against TEMPORAL_ADDRESS until SIGINT/SIGTERM.')
    .option('--max-concurrent-activities <n>', 'activity tasks at once', '10')
    .option('--max-concurrent-local-activities <n>', 'local activities at once', '10')
    .option('--max-concurrent-workflow-tasks <n>', 'workflow tasks at once (at least 2)', '2')
    .addHelpText('after', '\nExample:\n  TEMPORAL_ADDRESS=localhost:7233 volt-agent worker')
    .action(async (opts) => {
      process.exitCode = await runWorker(opts, out);
    });
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  loadDotenv({ quiet: true });
  Runtime.install({ logger: new DefaultLogger('WARN') });
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
