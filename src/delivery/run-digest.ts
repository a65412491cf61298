/**
 * A finished run as the channels get it: its digest, built from the team model the team report
 * was written from (`enriched_data.json`, read through its schema), and where its reports are.
 * No channel reads run files itself.
 */
import path from 'node:path';
import { digestOf } from '../reports/digest.js';
import { buildTeamModel } from '../reports/team-report.js';
import { RUN_FILES } from '../storage/json-storage.js';
import { localRunFiles } from '../storage/local-store.js';
import type { RunFiles } from '../storage/run-store.js';
import { EnrichedDataSchema, RunMetadataSchema } from '../storage/schemas.js';
import { NothingToDeliver, type DeliveredRun } from './channel.js';

/** Where each delivered run's files are (the run store's, or its directory's), for reading its reports. */
const filesOf = new WeakMap<DeliveredRun, RunFiles>();

export function filesOfRun(run: DeliveredRun): RunFiles {
  return filesOf.get(run) ?? localRunFiles(run.reports.dir);
}

/**
 * Reads a run (its directory, or its files in the run store). A run that failed or was cancelled
 * has nothing to deliver (`NothingToDeliver`); a run without its enriched data or team report is an error.
 */
export async function loadDeliveredRun(runDir: string | RunFiles): Promise<DeliveredRun> {
  const files = typeof runDir === 'string' ? localRunFiles(path.resolve(runDir)) : runDir;
  const metadata = await files.readJson(RUN_FILES.metadata, RunMetadataSchema);
  if (metadata.status === 'failed' || metadata.status === 'cancelled') {
    throw new NothingToDeliver(`run ${metadata.run_id} ${metadata.status}: it has no report to deliver`);
  }
  const data = await files.readJson(RUN_FILES.enriched, EnrichedDataSchema);
  const markdown = files.where(RUN_FILES.teamSummary);
  if (!(await files.exists(RUN_FILES.teamSummary))) throw new Error(`run ${metadata.run_id} has no team report yet (${markdown} is missing)`);
  const html = (await files.exists(RUN_FILES.teamSummaryHtml)) ? files.where(RUN_FILES.teamSummaryHtml) : null;
  const run: DeliveredRun = {
    run: { id: metadata.run_id, status: metadata.status },
    digest: digestOf(buildTeamModel(data)),
    reports: { dir: files.location, markdown, html },
  };
  filesOf.set(run, files);
  return run;
}

/** The team report to attach or publish: the HTML page where one exists (when asked for), else the markdown. */
export async function readTeamReport(run: DeliveredRun, prefer: 'html' | 'markdown'): Promise<{ file: string; content: string; kind: 'html' | 'markdown' }> {
  const html = prefer === 'html' && run.reports.html !== null;
  const file = html ? run.reports.html! : run.reports.markdown;
  return { file, content: await filesOfRun(run).read(html ? RUN_FILES.teamSummaryHtml : RUN_FILES.teamSummary), kind: html ? 'html' : 'markdown' };
}
