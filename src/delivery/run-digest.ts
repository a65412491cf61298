/**
 * A finished run as the channels get it: its digest, built from the team model the team report
 * was written from (`enriched_data.json`, read through its schema), and where its reports are.
 * No channel reads run files itself.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { digestOf } from '../reports/digest.js';
import { buildTeamModel } from '../reports/team-report.js';
import { readJsonFile, RUN_FILES } from '../storage/json-storage.js';
import { EnrichedDataSchema, RunMetadataSchema } from '../storage/schemas.js';
import { NothingToDeliver, type DeliveredRun } from './channel.js';

/**
 * Reads a run directory. A run that failed or was cancelled has nothing to deliver
 * (`NothingToDeliver`); a run without its enriched data or team report is an error.
 */
export async function loadDeliveredRun(runDir: string): Promise<DeliveredRun> {
  const dir = path.resolve(runDir);
  const metadata = await readJsonFile(path.join(dir, RUN_FILES.metadata), RunMetadataSchema);
  if (metadata.status === 'failed' || metadata.status === 'cancelled') {
    throw new NothingToDeliver(`run ${metadata.run_id} ${metadata.status}: it has no report to deliver`);
  }
  const data = await readJsonFile(path.join(dir, RUN_FILES.enriched), EnrichedDataSchema);
  const markdown = path.join(dir, RUN_FILES.teamSummary);
  if (!existsSync(markdown)) throw new Error(`run ${metadata.run_id} has no team report yet (${markdown} is missing)`);
  const html = path.join(dir, RUN_FILES.teamSummaryHtml);
  return {
    run: { id: metadata.run_id, status: metadata.status },
    digest: digestOf(buildTeamModel(data)),
    reports: { dir, markdown, html: existsSync(html) ? html : null },
  };
}

/** The team report to attach or publish: the HTML page where one exists (when asked for), else the markdown. */
export async function readTeamReport(run: DeliveredRun, prefer: 'html' | 'markdown'): Promise<{ file: string; content: string; kind: 'html' | 'markdown' }> {
  const file = prefer === 'html' && run.reports.html ? run.reports.html : run.reports.markdown;
  return { file, content: await readFile(file, 'utf8'), kind: file.endsWith('.html') ? 'html' : 'markdown' };
}
