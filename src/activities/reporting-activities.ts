/** Activities 7–9: person reports, the enriched data file, the team report. */
import { readdir, readFile, rename, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { RunRef } from '../workflows/contract.js';
import { readJsonFile, removeIfExists, RUN_FILES, writeFileAtomic, writeJsonAtomic } from '../storage/json-storage.js';
import { EnrichedDataSchema, LlmUsageSchema, type EnrichedData, type EnrichedEntity, type LlmUsage } from '../storage/schemas.js';
import { uniqueSlugs } from '../storage/slug.js';
import { entityKey } from '../workflows/contract.js';
import { ValidationError } from '../errors.js';
import { writePersonReport } from '../reports/person-report.js';
import { writeTeamReport } from '../reports/team-report.js';
import { loadReportSettings, reportWriterFor } from '../reports/writer.js';
import { enrichedReportExtras } from '../reports/common.js';
import { addReportWarning, htmlPathOf } from '../reports/outcome.js';
import { readAggregated } from './fibery-activities.js';
import { STAGED_ENRICHMENT_DIR, type StagedBatch } from './enrichment/enrich-batch.js';
import { recordLlmUsage, updateMetadata } from './run-metadata.js';
import { runPath, type ActivityDeps } from './context.js';
import { heartbeating } from './heartbeat.js';

const STAGED_PERSON_DIR = path.join(RUN_FILES.staging, 'person');

async function readStagedBatches(ref: RunRef): Promise<StagedBatch[]> {
  const dir = runPath(ref, STAGED_ENRICHMENT_DIR);
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as StagedBatch));
}

function slugsOf(users: Record<string, { name: string }>): Map<string, string> {
  return uniqueSlugs(Object.entries(users).map(([key, u]) => ({ key, name: u.name })));
}

const StagedPersonSchema = z.object({ email: z.string(), slug: z.string(), usage: LlmUsageSchema.nullable(), warning: z.string().nullable().default(null) });

export function createReportingActivities(deps: ActivityDeps) {
  return {
    generate_person_report: (input: RunRef & { email: string; config: Record<string, unknown> | null }): Promise<{ slug: string; llm: boolean }> => heartbeating(async (signal) => {
      const aggregated = await readAggregated(input);
      const user = aggregated.users[input.email];
      if (!user) throw new ValidationError(`no time for ${input.email} in run ${input.run_id}`);
      const entities = new Map<string, EnrichedEntity>();
      for (const batch of await readStagedBatches(input)) for (const e of batch.entities) entities.set(e.key, e);
      const slug = slugsOf(aggregated.users).get(input.email)!;
      const writer = reportWriterFor(await loadReportSettings(deps.configDir, input.config), deps.env, signal);
      const people = Object.entries(aggregated.users).filter(([email]) => email !== input.email).map(([, u]) => u.name);
      const report = await writePersonReport({ email: input.email, user, entities, period: aggregated.period, people, aggregated }, writer, { fiberyWorkspace: deps.env.FIBERY_WORKSPACE ?? null });
      await writeFileAtomic(runPath(input, path.join(STAGED_PERSON_DIR, `${slug}.html`)), report.html);
      await writeFileAtomic(runPath(input, path.join(STAGED_PERSON_DIR, `${slug}.md`)), report.markdown);
      await writeJsonAtomic(runPath(input, path.join(STAGED_PERSON_DIR, `${slug}.json`)), { email: input.email, slug, usage: report.usage, warning: report.warning });
      return { slug, llm: report.usage !== null };
    }),

    async save_enriched_data(input: RunRef): Promise<{ file: string; reports: number; enriched: number; not_found: number }> {
      const aggregated = await readAggregated(input);
      const batches = await readStagedBatches(input);
      const enrichedByKey = new Map(batches.flatMap((b) => b.entities.map((e) => [e.key, e] as const)));
      const byType: EnrichedData['enrichment']['by_type'] = {};
      for (const batch of batches) {
        const t = (byType[batch.group] ??= { activity: batch.activity, total: 0, enriched: 0, not_found: 0 });
        t.total += batch.entities.length;
        t.enriched += batch.entities.filter((e) => e.status === 'enriched').length;
        t.not_found += batch.entities.filter((e) => e.status === 'not_found').length;
      }
      const slugs = slugsOf(aggregated.users);

      // Person reports move from staging into reports/individual/ one atomic rename each.
      const individualDir = runPath(input, RUN_FILES.individualDir);
      await mkdir(individualDir, { recursive: true });
      const usage: LlmUsage[] = [];
      const reportWarnings: string[] = [];
      const reportFiles = new Map<string, string>();
      for (const [email, slug] of slugs) {
        const staged = runPath(input, path.join(STAGED_PERSON_DIR, `${slug}.md`));
        if (!existsSync(staged)) continue;
        const target = path.join(individualDir, `${slug}.md`);
        const stagedHtml = htmlPathOf(staged);
        if (existsSync(stagedHtml)) await rename(stagedHtml, htmlPathOf(target));
        await rename(staged, target);
        reportFiles.set(email, path.join(RUN_FILES.individualDir, `${slug}.md`));
        const meta = StagedPersonSchema.parse(JSON.parse(await readFile(runPath(input, path.join(STAGED_PERSON_DIR, `${slug}.json`)), 'utf8')));
        if (meta.usage) usage.push(meta.usage);
        if (meta.warning) reportWarnings.push(meta.warning);
      }

      const warnings = [...new Set(batches.flatMap((b) => b.warnings))];
      const enrichedCount = [...enrichedByKey.values()].filter((e) => e.status === 'enriched').length;
      const notFound = enrichedByKey.size - enrichedCount;
      const data: EnrichedData = {
        generated_at: deps.now().toISOString(),
        period: aggregated.period,
        totals: aggregated.totals,
        entities: aggregated.entities.map((e) => ({ ...e, enrichment: enrichedByKey.get(entityKey(e.entity_database, e.entity_type, e.entity_id)) ?? null })),
        users: Object.fromEntries(
          Object.entries(aggregated.users).map(([email, u]) => [email, { ...u, slug: slugs.get(email)!, report_file: reportFiles.get(email) ?? null }]),
        ),
        enrichment: {
          enriched: enrichedCount,
          not_found: notFound,
          not_enrichable: aggregated.entities.filter((e) => !e.enrichable).length,
          requests: batches.reduce((n, b) => n + b.requests, 0),
          warnings,
          by_type: byType,
        },
        ...enrichedReportExtras(aggregated, enrichedByKey),
      };
      const file = runPath(input, RUN_FILES.enriched);
      await writeJsonAtomic(file, data);
      await updateMetadata(input, (m) => {
        Object.assign(m.stats, {
          entities_enriched: enrichedCount,
          entities_not_found: notFound,
          entities_not_enrichable: data.enrichment.not_enrichable,
          fibery_requests: data.enrichment.requests,
          person_reports: reportFiles.size,
        });
        m.warnings = [...new Set([...m.warnings, ...warnings])];
        for (const warning of reportWarnings) addReportWarning(m, warning);
        recordLlmUsage(m, usage);
      }, deps.now());
      await removeIfExists(runPath(input, RUN_FILES.staging));
      return { file, reports: reportFiles.size, enriched: enrichedCount, not_found: notFound };
    },

    async generate_team_report(input: RunRef & { config: Record<string, unknown> | null }): Promise<{ file: string; llm: boolean }> {
      const data = await readJsonFile(runPath(input, RUN_FILES.enriched), EnrichedDataSchema);
      const writer = reportWriterFor(await loadReportSettings(deps.configDir, input.config), deps.env);
      const report = await writeTeamReport(data, writer, { fiberyWorkspace: deps.env.FIBERY_WORKSPACE ?? null });
      const file = runPath(input, RUN_FILES.teamSummary);
      await writeFileAtomic(file, report.markdown);
      await writeFileAtomic(htmlPathOf(file), report.html);
      if (report.usage || report.warning) {
        await updateMetadata(input, (m) => {
          if (report.usage) recordLlmUsage(m, [report.usage]);
          addReportWarning(m, report.warning);
        }, deps.now());
      }
      return { file, llm: report.usage !== null };
    },
  };
}
