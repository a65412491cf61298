/**
 * The run files of spec 7.1, as zod schemas: every file a stage reads is validated on the way in,
 * so a hand-edited or truncated file gives a readable error instead of a wrong report.
 */
import { z } from 'zod';
import { COMPARE_MODES } from '../workflows/contract.js';
import { DeliveryRecordSchema } from '../delivery/record.js';

export const RUN_STATUSES = ['in_progress', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const STAGES = ['toggl', 'fibery'] as const;
export type Stage = (typeof STAGES)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/** Where a trend period's figures come from: this run's own period, an earlier run's stored aggregates, or this run's fetch. */
export const TREND_SOURCES = ['this_run', 'run', 'fetched'] as const;

export const LlmUsageSchema = z.object({
  report: z.string(),
  provider: z.string(),
  model: z.string(),
  input_tokens: z.number().nullable(),
  output_tokens: z.number().nullable(),
  seconds: z.number(),
  /** HTTP requests for this report, retries and correction requests included. */
  requests: z.number().default(1),
  /** Follow-up requests naming figures or names that did not match the data. */
  corrections: z.number().default(0),
  /** Mismatches the corrections fixed. */
  corrected: z.number().default(0),
  /** Figures and names that still did not match, marked unverified in the report. */
  unverified: z.number().default(0),
  /** Estimated tokens of the prompt (system + user), 4 characters a token. */
  prompt_tokens_estimate: z.number().nullable().default(null),
  /** What the fact pack gave only as totals to fit the prompt budget. */
  summarised: z.array(z.string()).default([]),
});
export type LlmUsage = z.infer<typeof LlmUsageSchema>;

export const RunMetadataSchema = z.object({
  run_id: z.string(),
  workflow_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable().default(null),
  status: z.enum(RUN_STATUSES),
  pipeline_version: z.string(),
  parameters: z.object({
    start_date: isoDate,
    end_date: isoDate,
    users_filter: z.array(z.string()).nullable(),
    start_from: z.enum(STAGES),
    /** Whether the run also aggregated the period before (runs written before comparing existed did not). */
    compare: z.enum(COMPARE_MODES).default('none'),
  }),
  temporal_metadata: z.object({ workflow_id: z.string(), run_id: z.string(), task_queue: z.string() }),
  stages_completed: z.array(z.enum(STAGES)),
  stages_failed: z.array(z.enum(STAGES)),
  error: z
    .object({ message: z.string(), stage: z.enum(STAGES).nullable(), activity: z.string().nullable() })
    .nullable()
    .default(null),
  /** Counts recorded by the stages as they finish (entries, users, entities, reports). */
  stats: z.record(z.string(), z.number()).default({}),
  warnings: z.array(z.string()).default([]),
  llm: z.object({ used: z.boolean(), calls: z.array(LlmUsageSchema) }).default({ used: false, calls: [] }),
  /** Each digest sent to Slack, e-mail or Fibery, and how it went (a failed one never fails the run). */
  deliveries: z.array(DeliveryRecordSchema).default([]),
  /** The trend's periods and where each came from: an earlier run's stored aggregates (run_id) or this run's Toggl fetch. */
  trend: z.array(z.object({ period: z.object({ start_date: isoDate, end_date: isoDate }), source: z.enum(TREND_SOURCES), run_id: z.string().nullable() })).optional(),
});
export type RunMetadata = z.infer<typeof RunMetadataSchema>;

export const RawTimeEntrySchema = z.object({
  id: z.number(),
  user_id: z.number(),
  user_email: z.string(),
  user_name: z.string(),
  description: z.string(),
  project_id: z.number().nullable(),
  project_name: z.string().nullable(),
  client_name: z.string().nullable(),
  tags: z.array(z.string()),
  start: z.string(),
  stop: z.string().nullable(),
  /** The seconds this entry counts for: for a running entry, up to the period end or the fetch time. */
  seconds: z.number().int().nonnegative(),
  running: z.boolean(),
  /** What the API reported as `seconds` (negative for a running entry). */
  api_seconds: z.number(),
});
export type RawTimeEntry = z.infer<typeof RawTimeEntrySchema>;

export const RawTogglDataSchema = z.object({
  fetched_at: z.string(),
  period: z.object({ start_date: isoDate, end_date: isoDate }),
  source: z.object({ api: z.string(), workspace_id: z.string(), requests: z.number() }),
  users_filter: z.array(z.string()).nullable(),
  users: z.array(z.object({ id: z.number(), email: z.string(), name: z.string() })),
  time_entries: z.array(RawTimeEntrySchema),
});
export type RawTogglData = z.infer<typeof RawTogglDataSchema>;

export const MatchedEntitySchema = z.object({
  entity_id: z.string(),
  entity_database: z.string().nullable(),
  entity_type: z.string().nullable(),
  project: z.string().nullable(),
  name: z.string(),
  total_seconds: z.number(),
  entry_count: z.number(),
  /** False when the description names no database or type: its time counts, but Fibery cannot be asked. */
  enrichable: z.boolean(),
  not_enrichable_reason: z.string().nullable(),
});
export type MatchedEntity = z.infer<typeof MatchedEntitySchema>;

export const UnmatchedActivitySchema = z.object({
  description: z.string(),
  total_seconds: z.number(),
  entry_count: z.number(),
});
export type UnmatchedActivity = z.infer<typeof UnmatchedActivitySchema>;

export const AggregatedUserSchema = z.object({
  name: z.string(),
  user_id: z.number(),
  total_seconds: z.number(),
  matched_seconds: z.number(),
  unmatched_seconds: z.number(),
  entry_count: z.number(),
  running_entries: z.number(),
  days_active: z.number(),
  matched_entities: z.array(MatchedEntitySchema),
  unmatched_activities: z.array(UnmatchedActivitySchema),
});
export type AggregatedUser = z.infer<typeof AggregatedUserSchema>;

export const TeamEntitySchema = MatchedEntitySchema.extend({ users: z.array(z.string()) });
export type TeamEntity = z.infer<typeof TeamEntitySchema>;

const SecondsByLabel = z.record(z.string(), z.number());

export const BreakdownPersonSchema = z.object({
  name: z.string(),
  total_seconds: z.number(),
  matched_seconds: z.number(),
  unmatched_seconds: z.number(),
  entries: z.number(),
  /** By `Database / Type` from the description tags; unmatched time under "Other activities (no entity)". */
  by_type: SecondsByLabel,
  /** By project tag ("(no project tag)" when none); unmatched time under "Other activities (no entity)". */
  by_project: SecondsByLabel,
  /** By the entry's start date. */
  by_day: SecondsByLabel,
});
export type BreakdownPerson = z.infer<typeof BreakdownPersonSchema>;

/** A period's time per person, type, project and day, from the Toggl descriptions alone. */
export const BreakdownSchema = BreakdownPersonSchema.omit({ name: true }).extend({
  period: z.object({ start_date: isoDate, end_date: isoDate }),
  people: z.record(z.string(), BreakdownPersonSchema),
});
export type Breakdown = z.infer<typeof BreakdownSchema>;

/** `entries` and `seconds` of one kind of tracking problem (for references: entities, not entries). */
export const HygieneIssueSchema = z.object({ entries: z.number(), seconds: z.number() });
export type HygieneIssue = z.infer<typeof HygieneIssueSchema>;

const hygieneCommon = {
  name: z.string(),
  entries: z.number(),
  total_seconds: z.number(),
  /** Time on entries that name a Fibery entity. */
  linked_seconds: z.number(),
  empty_description: HygieneIssueSchema,
  /** Entries whose `#id` has no [Database] [Type] tags: they cannot be looked up. */
  no_tags: HygieneIssueSchema,
  /** Entries overlapping another of the same person; seconds: the time counted twice. */
  overlapping: HygieneIssueSchema,
  running: HygieneIssueSchema,
  over_10h: HygieneIssueSchema,
};

/** The Toggl side of one person's tracking hygiene. */
export const PersonHygieneSchema = z.object({
  ...hygieneCommon,
  /** Seconds per entity key and day: what "time after completion" is computed from once Fibery is known. */
  entity_days: z.record(z.string(), SecondsByLabel),
});
export type PersonHygiene = z.infer<typeof PersonHygieneSchema>;

export const TogglHygieneSchema = z.object({
  people: z.record(z.string(), PersonHygieneSchema),
  /** Scores from the Toggl data alone (before enrichment knows what was not found or completed). */
  toggl_scores: z.object({ formula: z.string(), team: z.number().nullable(), people: z.record(z.string(), z.number().nullable()) }).optional(),
});
export type TogglHygiene = z.infer<typeof TogglHygieneSchema>;

/** One person's (or the team's) complete hygiene, after enrichment, with its score 0–100. */
export const PersonHygieneCompleteSchema = z.object({
  ...hygieneCommon,
  /** Referenced entities not found in Fibery (entries: entities). */
  not_found: HygieneIssueSchema,
  /** Time logged on an entity after its completion date (entries: entities). */
  after_completion: HygieneIssueSchema,
  score: z.number().nullable(),
});
export type PersonHygieneComplete = z.infer<typeof PersonHygieneCompleteSchema>;

export const CompleteHygieneSchema = z.object({
  formula: z.string(),
  team: PersonHygieneCompleteSchema,
  people: z.record(z.string(), PersonHygieneCompleteSchema),
});
export type CompleteHygiene = z.infer<typeof CompleteHygieneSchema>;


/** One period of the trend: its hours per type, project and person, and its Toggl-side hygiene score. */
export const TrendPeriodSchema = z.object({
  period: z.object({ start_date: isoDate, end_date: isoDate }),
  source: z.enum(TREND_SOURCES),
  /** With source 'run': the run whose stored aggregates these are. */
  run_id: z.string().nullable(),
  total_seconds: z.number(),
  by_type: SecondsByLabel,
  by_project: SecondsByLabel,
  people: z.record(z.string(), z.object({ name: z.string(), total_seconds: z.number() })),
  /** The hygiene score from the Toggl data alone (no Fibery look-ups for earlier periods); null without time. */
  hygiene_score: z.number().nullable(),
});
export type TrendPeriod = z.infer<typeof TrendPeriodSchema>;

/** The last periods of the run's length, oldest first, the run's own last. */
export const TrendSchema = z.object({ periods: z.array(TrendPeriodSchema) });
export type Trend = z.infer<typeof TrendSchema>;

/** What the reports add to the period's aggregates (all optional: files of older runs lack them). */
const reportExtras = {
  /** 'previous': `previous` holds the period of equal length just before; 'none': no comparison. */
  comparison: z.enum(COMPARE_MODES).optional(),
  breakdown: BreakdownSchema.optional(),
  previous: BreakdownSchema.nullable().optional(),
  trend: TrendSchema.optional(),
};

export const TogglAggregatedSchema = z.object({
  period: z.object({ start_date: isoDate, end_date: isoDate }),
  generated_at: z.string(),
  users: z.record(z.string(), AggregatedUserSchema),
  /** Every distinct entity across the team, largest first: what the Fibery stage enriches. */
  entities: z.array(TeamEntitySchema),
  totals: z.object({
    total_seconds: z.number(),
    matched_seconds: z.number(),
    unmatched_seconds: z.number(),
    users: z.number(),
    entries: z.number(),
    entities: z.number(),
    running_entries: z.number(),
  }),
  notes: z.array(z.string()),
  /** The Toggl workspace the entries came from (runs before the trend existed lack it): an earlier run's aggregates are reused only for the same one. */
  workspace_id: z.string().optional(),
  ...reportExtras,
  /** The Toggl side of tracking hygiene, per person. */
  hygiene: TogglHygieneSchema.optional(),
});
export type TogglAggregated = z.infer<typeof TogglAggregatedSchema>;

export const EnrichedEntitySchema = z.object({
  key: z.string(),
  entity_id: z.string(),
  entity_database: z.string(),
  entity_type: z.string(),
  status: z.enum(['enriched', 'not_found']),
  reason: z.string().nullable(),
  enriched_by: z.string(),
  fibery: z
    .object({
      id: z.string().nullable(),
      public_id: z.string(),
      name: z.string(),
      state: z.string().nullable(),
      created_at: z.string().nullable(),
      modified_at: z.string().nullable(),
      description_md: z.string().nullable(),
      assignees: z.array(z.object({ name: z.string(), email: z.string().nullable() })),
      comments: z.array(z.object({ author: z.string().nullable(), created_at: z.string().nullable(), text_md: z.string() })),
      fields: z.record(z.string(), z.unknown()),
    })
    .nullable(),
});
export type EnrichedEntity = z.infer<typeof EnrichedEntitySchema>;

export const EnrichedDataSchema = z.object({
  generated_at: z.string(),
  period: z.object({ start_date: isoDate, end_date: isoDate }),
  totals: TogglAggregatedSchema.shape.totals,
  entities: z.array(TeamEntitySchema.extend({ enrichment: EnrichedEntitySchema.nullable() })),
  users: z.record(
    z.string(),
    AggregatedUserSchema.extend({ report_file: z.string().nullable(), slug: z.string() }),
  ),
  enrichment: z.object({
    enriched: z.number(),
    not_found: z.number(),
    not_enrichable: z.number(),
    requests: z.number(),
    warnings: z.array(z.string()),
    by_type: z.record(z.string(), z.object({ activity: z.string(), total: z.number(), enriched: z.number(), not_found: z.number() })),
  }),
  ...reportExtras,
  /** Complete tracking hygiene (Toggl and Fibery sides), per person and for the team. */
  hygiene: CompleteHygieneSchema.optional(),
});
export type EnrichedData = z.infer<typeof EnrichedDataSchema>;
