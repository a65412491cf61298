/**
 * Activities 7–9: person reports, the enriched data file, the team report. After enrichment, one
 * pass over the staged batches writes what each person report needs into a file of its own, so a
 * person report reads its own slice, not the whole run.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { entityKey, type RunRef } from '../workflows/contract.js';
import { readJsonFile, removeIfExists, RUN_FILES, writeFileAtomic, writeJsonAtomic } from '../storage/json-storage.js';
import {
  AggregatedUserSchema,
  EnrichedDataSchema,
  EnrichedEntitySchema,
  LlmUsageSchema,
  TogglAggregatedSchema,
  type TogglAggregated,
  type EnrichedData,
  type EnrichedEntity,
  type LlmUsage,
} from '../storage/schemas.js';
import { uniqueSlugs } from '../storage/slug.js';
import { ValidationError } from '../errors.js';
import { writePersonReport } from '../reports/person-report.js';
import { writeTeamReport } from '../reports/team-report.js';
import { reportWriterFor } from '../reports/writer.js';
import { readRunConfig } from '../config/run-config.js';
import { enrichedReportExtras } from '../reports/common.js';
import { addReportWarning, htmlPathOf } from '../reports/outcome.js';
import { readAggregated } from './fibery-activities.js';
import { stagedBatches } from './enrichment/enrich-batch.js';
import { recordLlmUsage, saveReport, updateMetadata } from './run-metadata.js';
import { runDirectory, runPath, type ActivityDeps } from './context.js';
import { heartbeating } from './heartbeat.js';
import { saveLlmAnswers } from './llm-answers.js';

function slugsOf(users: Record<string, { name: string }>): Map<string, string> {
  return uniqueSlugs(Object.entries(users).map(([key, u]) => ({ key, name: u.name })));
}

const StagedPersonSchema = z.object({ email: z.string(), slug: z.string(), usage: LlmUsageSchema.nullable(), warning: z.string().nullable().default(null) });

/** Everything one person report reads. */
const PersonInputSchema = z.object({
  email: z.string(),
  slug: z.string(),
  period: TogglAggregatedSchema.shape.period,
  user: AggregatedUserSchema,
  /** The Fibery side of the entities this person logged time on. */
  entities: z.array(EnrichedEntitySchema),
  /** Everyone else's names: the checker must not take a colleague for an unknown name. */
  people: z.array(z.string()),
  /** The comparison and hygiene of the aggregate, cut down to this person (and the team's totals). */
  aggregated: TogglAggregatedSchema.pick({ comparison: true, breakdown: true, previous: true, hygiene: true }),
});
type PersonInput = z.infer<typeof PersonInputSchema>;

/** The parts of the aggregate a person report reads, with every other person's rows left out. */
function personSlice(aggregated: TogglAggregated, email: string): PersonInput['aggregated'] {
  const only = <T>(people: Record<string, T> | undefined): Record<string, T> => (people && email in people ? { [email]: people[email]! } : {});
  return {
    comparison: aggregated.comparison,
    breakdown: aggregated.breakdown && { ...aggregated.breakdown, people: only(aggregated.breakdown.people) },
    previous: aggregated.previous && { ...aggregated.previous, people: only(aggregated.previous.people) },
    hygiene: aggregated.hygiene && { ...aggregated.hygiene, people: only(aggregated.hygiene.people) },
  };
}

const personFile = (ref: RunRef, slug: string, ext: string) => runPath(ref, path.join(RUN_FILES.personStaging, `${slug}${ext}`));

async function personSlug(ref: RunRef, email: string): Promise<string> {
  const index = await readJsonFile(runPath(ref, path.join(RUN_FILES.personStaging, 'index.json')), z.record(z.string(), z.string()));
  const slug = index[email];
  if (!slug) throw new ValidationError(`no time for ${email} in run ${ref.run_id}`);
  return slug;
}

export function createReportingActivities(deps: ActivityDeps) {
  return {
    /** One pass over the staged batches: each person's report input, written once. */
    async index_enriched_entities(input: RunRef): Promise<{ persons: number }> {
      const aggregated = await readAggregated(input);
      const wanted = new Set(Object.values(aggregated.users).flatMap((u) => u.matched_entities.map((e) => entityKey(e.entity_database, e.entity_type, e.entity_id))));
      const enriched = new Map<string, EnrichedEntity>();
      for await (const batch of stagedBatches(input)) for (const e of batch.entities) if (wanted.has(e.key)) enriched.set(e.key, e);
      const slugs = slugsOf(aggregated.users);
      const names = Object.entries(aggregated.users).map(([email, u]) => ({ email, name: u.name }));
      for (const [email, user] of Object.entries(aggregated.users)) {
        const slug = slugs.get(email)!;
        const entities = user.matched_entities
          .map((e) => enriched.get(entityKey(e.entity_database, e.entity_type, e.entity_id)))
          .filter((e): e is EnrichedEntity => e !== undefined);
        const people = names.filter((p) => p.email !== email).map((p) => p.name);
        const input_: PersonInput = { email, slug, period: aggregated.period, user, entities, people, aggregated: personSlice(aggregated, email) };
        await writeJsonAtomic(personFile(input, slug, '.input.json'), input_);
      }
      await writeJsonAtomic(runPath(input, path.join(RUN_FILES.personStaging, 'index.json')), Object.fromEntries(slugs));
      return { persons: slugs.size };
    },

    generate_person_report: (input: RunRef & { email: string }): Promise<{ slug: string; llm: boolean }> => heartbeating(async (signal) => {
      const slug = await personSlug(input, input.email);
      const person = await readJsonFile(personFile(input, slug, '.input.json'), PersonInputSchema);
      const entities = new Map(person.entities.map((e) => [e.key, e]));
      const writer = reportWriterFor(await readRunConfig(runDirectory(input)), deps.env.raw, signal);
      const report = await writePersonReport({ ...person, entities }, writer, { fiberyWorkspace: deps.env.FIBERY_WORKSPACE ?? null });
      await writeFileAtomic(personFile(input, slug, '.html'), report.html);
      await writeFileAtomic(personFile(input, slug, '.md'), report.markdown);
      await writeJsonAtomic(personFile(input, slug, '.json'), { email: input.email, slug, usage: report.usage, warning: report.warning });
      await saveLlmAnswers(input, path.join('person', slug), `person:${input.email}`, report.answers);
      return { slug, llm: report.usage !== null };
    }),

    async save_enriched_data(input: RunRef): Promise<{ file: string; reports: number; enriched: number; not_found: number }> {
      const aggregated = await readAggregated(input);
      const enrichedByKey = new Map<string, EnrichedEntity>();
      const byType: EnrichedData['enrichment']['by_type'] = {};
      const warningSet = new Set<string>();
      const fieldWarnings = new Set<string>();
      let requests = 0;
      for await (const batch of stagedBatches(input)) {
        for (const e of batch.entities) enrichedByKey.set(e.key, e);
        const t = (byType[batch.group] ??= { activity: batch.activity, total: 0, enriched: 0, not_found: 0 });
        t.total += batch.entities.length;
        t.enriched += batch.entities.filter((e) => e.status === 'enriched').length;
        t.not_found += batch.entities.filter((e) => e.status === 'not_found').length;
        for (const w of batch.warnings) warningSet.add(w);
        for (const w of batch.field_warnings) fieldWarnings.add(w);
        requests += batch.requests;
      }
      const slugs = slugsOf(aggregated.users);

      // Person reports move from staging into reports/individual/ one atomic rename each.
      const individualDir = runPath(input, RUN_FILES.individualDir);
      await mkdir(individualDir, { recursive: true });
      const usage: LlmUsage[] = [];
      const reportWarnings: string[] = [];
      const reportFiles = new Map<string, string>();
      for (const [email, slug] of slugs) {
        const staged = personFile(input, slug, '.md');
        if (!existsSync(staged)) continue;
        const target = path.join(individualDir, `${slug}.md`);
        const stagedHtml = htmlPathOf(staged);
        if (existsSync(stagedHtml)) await rename(stagedHtml, htmlPathOf(target));
        await rename(staged, target);
        reportFiles.set(email, path.join(RUN_FILES.individualDir, `${slug}.md`));
        const meta = StagedPersonSchema.parse(JSON.parse(await readFile(personFile(input, slug, '.json'), 'utf8')));
        if (meta.usage) usage.push(meta.usage);
        if (meta.warning) reportWarnings.push(meta.warning);
      }

      const warnings = [...warningSet];
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
          requests,
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
        m.warnings = [...new Set([...m.warnings, ...warnings, ...fieldWarnings])];
        for (const warning of reportWarnings) addReportWarning(m, warning);
        recordLlmUsage(m, usage);
      }, deps.now());
      await removeIfExists(runPath(input, RUN_FILES.fiberyStaging));
      await removeIfExists(runPath(input, RUN_FILES.personStaging));
      return { file, reports: reportFiles.size, enriched: enrichedCount, not_found: notFound };
    },

    async generate_team_report(input: RunRef): Promise<{ file: string; llm: boolean }> {
      const data = await readJsonFile(runPath(input, RUN_FILES.enriched), EnrichedDataSchema);
      const writer = reportWriterFor(await readRunConfig(runDirectory(input)), deps.env.raw);
      const report = await writeTeamReport(data, writer, { fiberyWorkspace: deps.env.FIBERY_WORKSPACE ?? null });
      await saveLlmAnswers(input, 'team_summary', 'team_summary', report.answers);
      return saveReport(input, runPath(input, RUN_FILES.teamSummary), report, deps.now());
    },
  };
}
