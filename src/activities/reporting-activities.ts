/**
 * Activities 7–9: person reports, the enriched data file, the team report. After enrichment, one
 * pass over the staged batches writes what each person report needs into a file of its own, so a
 * person report reads its own slice, not the whole run.
 */
import { z } from 'zod';
import { entityKey, type RunRef } from '../workflows/contract.js';
import { RUN_FILES } from '../storage/json-storage.js';
import { joinKey, parseRunFile, type RunFiles } from '../storage/run-store.js';
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
import { runFiles, type ActivityDeps } from './context.js';
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

const personFile = (slug: string, ext: string) => joinKey(RUN_FILES.personStaging, `${slug}${ext}`);
const PERSON_INDEX = joinKey(RUN_FILES.personStaging, 'index.json');

async function personSlug(files: RunFiles, ref: RunRef, email: string): Promise<string> {
  const index = await files.readJson(PERSON_INDEX, z.record(z.string(), z.string()));
  const slug = index[email];
  if (!slug) throw new ValidationError(`no time for ${email} in run ${ref.run_id}`);
  return slug;
}

export function createReportingActivities(deps: ActivityDeps) {
  return {
    /** One pass over the staged batches: each person's report input, written once. */
    async index_enriched_entities(input: RunRef): Promise<{ persons: number }> {
      const files = runFiles(deps, input);
      const aggregated = await readAggregated(files);
      const wanted = new Set(Object.values(aggregated.users).flatMap((u) => u.matched_entities.map((e) => entityKey(e.entity_database, e.entity_type, e.entity_id))));
      const enriched = new Map<string, EnrichedEntity>();
      for await (const batch of stagedBatches(files)) for (const e of batch.entities) if (wanted.has(e.key)) enriched.set(e.key, e);
      const slugs = slugsOf(aggregated.users);
      const names = Object.entries(aggregated.users).map(([email, u]) => ({ email, name: u.name }));
      for (const [email, user] of Object.entries(aggregated.users)) {
        const slug = slugs.get(email)!;
        const entities = user.matched_entities
          .map((e) => enriched.get(entityKey(e.entity_database, e.entity_type, e.entity_id)))
          .filter((e): e is EnrichedEntity => e !== undefined);
        const people = names.filter((p) => p.email !== email).map((p) => p.name);
        const input_: PersonInput = { email, slug, period: aggregated.period, user, entities, people, aggregated: personSlice(aggregated, email) };
        await files.writeJson(personFile(slug, '.input.json'), input_);
      }
      await files.writeJson(PERSON_INDEX, Object.fromEntries(slugs));
      return { persons: slugs.size };
    },

    generate_person_report: (input: RunRef & { email: string }): Promise<{ slug: string; llm: boolean }> => heartbeating(async (signal) => {
      const files = runFiles(deps, input);
      const slug = await personSlug(files, input, input.email);
      const person = await files.readJson(personFile(slug, '.input.json'), PersonInputSchema);
      const entities = new Map(person.entities.map((e) => [e.key, e]));
      const writer = reportWriterFor(await readRunConfig(files), deps.env.raw, signal);
      const report = await writePersonReport({ ...person, entities }, writer, { fiberyWorkspace: deps.env.FIBERY_WORKSPACE ?? null });
      await files.write(personFile(slug, '.html'), report.html);
      await files.write(personFile(slug, '.md'), report.markdown);
      await files.writeJson(personFile(slug, '.json'), { email: input.email, slug, usage: report.usage, warning: report.warning });
      await saveLlmAnswers(files, joinKey('person', slug), `person:${input.email}`, report.answers);
      return { slug, llm: report.usage !== null };
    }),

    async save_enriched_data(input: RunRef): Promise<{ file: string; reports: number; enriched: number; not_found: number }> {
      const files = runFiles(deps, input);
      const aggregated = await readAggregated(files);
      const enrichedByKey = new Map<string, EnrichedEntity>();
      const byType: EnrichedData['enrichment']['by_type'] = {};
      const warningSet = new Set<string>();
      const fieldWarnings = new Set<string>();
      let requests = 0;
      for await (const batch of stagedBatches(files)) {
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

      // Person reports move from staging into reports/individual/ one move each (a rename on disk).
      const usage: LlmUsage[] = [];
      const reportWarnings: string[] = [];
      const reportFiles = new Map<string, string>();
      for (const [email, slug] of slugs) {
        const staged = personFile(slug, '.md');
        const target = joinKey(RUN_FILES.individualDir, `${slug}.md`);
        // A retry after the move: the report is already in place, its staged metadata still there.
        if (!(await files.exists(staged)) && !(await files.exists(target))) continue;
        await files.move(htmlPathOf(staged), htmlPathOf(target));
        await files.move(staged, target);
        reportFiles.set(email, target);
        const metaKey = personFile(slug, '.json');
        const meta = parseRunFile(files.where(metaKey), await files.read(metaKey), StagedPersonSchema);
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
      await files.writeJson(RUN_FILES.enriched, data);
      const file = files.where(RUN_FILES.enriched);
      await updateMetadata(files, (m) => {
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
      await files.remove(RUN_FILES.fiberyStaging);
      await files.remove(RUN_FILES.personStaging);
      return { file, reports: reportFiles.size, enriched: enrichedCount, not_found: notFound };
    },

    async generate_team_report(input: RunRef): Promise<{ file: string; llm: boolean }> {
      const files = runFiles(deps, input);
      const data = await files.readJson(RUN_FILES.enriched, EnrichedDataSchema);
      const writer = reportWriterFor(await readRunConfig(files), deps.env.raw);
      const report = await writeTeamReport(data, writer, { fiberyWorkspace: deps.env.FIBERY_WORKSPACE ?? null });
      await saveLlmAnswers(files, 'team_summary', 'team_summary', report.answers);
      return saveReport(files, RUN_FILES.teamSummary, report, deps.now());
    },
  };
}
