/**
 * `volt-agent fetch-reports`: a run's reports (markdown and the self-contained HTML pages, person
 * reports included) copied from the run store to a local directory, e.g. from the team's bucket to
 * a laptop. Each file is written whole (a temporary file renamed into place).
 */
import path from 'node:path';
import { ValidationError } from '../../errors.js';
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { jsonOption, outputDirOption, requiredRunIdOption } from '../shared-options.js';

export const fetchReports = defineCommand({
  name: 'fetch-reports',
  description: "Copy a run's reports (markdown and HTML, person reports included) from the run store to a local directory.",
  options: (command) =>
    command
      .addOption(requiredRunIdOption('the run whose reports to copy (see volt-agent list-runs)'))
      .requiredOption('--to <dir>', 'the local directory to copy them into (created if missing; files of the same name are replaced)')
      .addOption(outputDirOption('where the run directories are (without VOLT_RUN_STORE)'))
      .addOption(jsonOption('print the copied files as a JSON array of { path, bytes }')),
  examples: [
    { command: 'volt-agent fetch-reports --run-id run_2025-10-10-15-30-45 --to ./reports', note: 'then open ./reports/team_summary.html' },
    { command: 'VOLT_RUN_STORE=s3://acme-volt/runs VOLT_S3_ENDPOINT=https://s3.acme.internal volt-agent fetch-reports --run-id run_2025-10-10-15-30-45 --to ./reports' },
  ],
  notes: `With VOLT_RUN_STORE=s3://BUCKET/PREFIX (VOLT_S3_ENDPOINT for an S3-compatible server, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY or AWS_PROFILE) the reports come from the bucket, on any machine; without it, from
--output-dir. A store that cannot be reached or refuses the settings: one line, exit code 3.`,
  async handler(opts, ctx) {
    const [{ cliStore, readableRun, formatBytes }, { writeFileAtomic }, { RUN_FILES }, { isHiddenKey }] = await Promise.all([
      import('../runs.js'),
      import('../../storage/json-storage.js'),
      import('../../storage/json-storage.js'),
      import('../../storage/run-store.js'),
    ]);
    const store = cliStore(await ctx.env(), opts.outputDir);
    const run = await readableRun(store, opts.runId);
    const files = store.run(run.run_id);
    const reportsDir = path.posix.dirname(RUN_FILES.teamSummary); // reports
    const reports = (await files.list(reportsDir)).filter((f) => !isHiddenKey(f.key) && /\.(md|html)$/.test(f.key));
    if (reports.length === 0) throw new ValidationError(`run "${run.run_id}" has no reports yet (it is ${run.metadata.status}): see volt-agent show-run --run-id ${run.run_id}`);
    const to = path.resolve(opts.to);
    const copied: { path: string; bytes: number }[] = [];
    for (const report of reports) {
      const target = path.join(to, ...report.key.slice(reportsDir.length + 1).split('/'));
      await writeFileAtomic(target, await files.read(report.key));
      copied.push({ path: target, bytes: report.bytes });
    }
    if (opts.json) ctx.out.result(JSON.stringify(copied, null, 2));
    else {
      const total = copied.reduce((sum, f) => sum + f.bytes, 0);
      ctx.out.result(`✓ ${copied.length} report files of run ${run.run_id} (${formatBytes(total)}) copied from ${files.location} to ${to}\n  Team page: ${path.join(to, 'team_summary.html')}`);
    }
    return EXIT.OK;
  },
});
