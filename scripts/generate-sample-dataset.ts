/**
 * Writes src/sandbox/datasets/sample-workspace.json: "Acme Software (sample)", a realistic small
 * software company: 9 people, two weeks of Toggl time (and the two weeks before, so a comparison
 * has data), a Fibery workspace shaped like the real one in shared/facts (a `Scrum` space with
 * Task, Bug, Sub-task, Feature, Epic, Sprint, Hotfix and Chore; `Product Management` with Request
 * and Feedback; the real field names, single-selects, a date range, rich text; comments whose text
 * lives only in documents in one space and as a `content` object in the other).
 * Deterministic: a seeded PRNG, no clock, no randomness from the environment.
 *
 *   node --import tsx scripts/generate-sample-dataset.ts [--check]
 *
 * With --check it only verifies that the committed file matches what the script generates.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatInOffset, offsetMinutes, parseDataset, type CommentShape, type DatasetField } from '../src/sandbox/dataset.js';
import { seededRandom } from '../src/sandbox/random.js';

const OUT = fileURLToPath(new URL('../src/sandbox/datasets/sample-workspace.json', import.meta.url));
const PERIOD = { start_date: '2026-11-09', end_date: '2026-11-22' };
/** The previous period of equal length, also filled with time. */
const PREVIOUS_START = '2026-10-26';

// ---------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------

const { next: rnd, int, pick, chance, shuffle, uuid } = seededRandom(20261109);

// ---------------------------------------------------------------------------------------------
// Calendar helpers
// ---------------------------------------------------------------------------------------------

const DAY = 86_400_000;
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
const isWeekend = (date: string) => weekday(date) === 0 || weekday(date) === 6;
/** Epoch ms of a local wall-clock time in a fixed offset. */
const localMs = (date: string, minutesOfDay: number, offset: string) => Date.parse(`${date}T00:00:00Z`) + minutesOfDay * 60_000 - offsetMinutes(offset) * 60_000;
/** A UTC timestamp like Fibery writes them: 2026-10-14T09:12:33.120Z. */
const utcStamp = (date: string, minutesOfDay: number) => new Date(Date.parse(`${date}T00:00:00Z`) + minutesOfDay * 60_000 + int(0, 59_999)).toISOString();
const between = (from: string, to: string) => (to <= from ? from : addDays(from, int(0, Math.round((Date.parse(to) - Date.parse(from)) / DAY))));

// ---------------------------------------------------------------------------------------------
// People and Toggl projects
// ---------------------------------------------------------------------------------------------

type Role = 'dev' | 'qa' | 'ops' | 'pm' | 'design';
interface Person {
  key: string;
  id: number;
  fullname: string;
  email: string;
  offset: string;
  timezone: string;
  role: Role;
  admin?: boolean;
  standup: string;
}

const PEOPLE: Person[] = [
  { key: 'zoe', id: 101, fullname: 'Zoë Müller', email: 'zoe.muller@acme.example', offset: '+01:00', timezone: 'Europe/Berlin', role: 'dev', admin: true, standup: 'Daily standup' },
  { key: 'jiri', id: 102, fullname: 'Jiří Novák', email: 'jiri.novak@acme.example', offset: '+01:00', timezone: 'Europe/Prague', role: 'dev', standup: 'Daily Standup' },
  { key: 'olena', id: 103, fullname: 'Олена Коваленко', email: 'olena.kovalenko@acme.example', offset: '+02:00', timezone: 'Europe/Kyiv', role: 'dev', standup: 'Daily standup' },
  { key: 'jose', id: 104, fullname: 'José Álvarez', email: 'jose.alvarez@acme.example', offset: '+01:00', timezone: 'Europe/Madrid', role: 'dev', standup: 'Daily  standup ' },
  { key: 'aoife', id: 105, fullname: 'Aoife Ní Bhriain', email: 'aoife.nibhriain@acme.example', offset: '+00:00', timezone: 'Europe/Dublin', role: 'qa', standup: 'Daily standup' },
  { key: 'lukasz', id: 106, fullname: 'Łukasz Wiśniewski', email: 'lukasz.wisniewski@acme.example', offset: '+01:00', timezone: 'Europe/Warsaw', role: 'ops', standup: 'Daily standup' },
  { key: 'priya', id: 107, fullname: 'Priya Raman', email: 'priya.raman@acme.example', offset: '+05:30', timezone: 'Asia/Kolkata', role: 'dev', standup: 'daily standup' },
  { key: 'francois', id: 108, fullname: 'François Dubois', email: 'francois.dubois@acme.example', offset: '+01:00', timezone: 'Europe/Paris', role: 'pm', admin: true, standup: 'Daily standup' },
  { key: 'mariana', id: 109, fullname: 'Mariana Conceição', email: 'mariana.conceicao@acme.example', offset: '-03:00', timezone: 'America/Sao_Paulo', role: 'design', standup: 'Daily standup' },
];
const person = (key: string): Person => {
  const p = PEOPLE.find((x) => x.key === key);
  if (!p) throw new Error(`unknown person ${key}`);
  return p;
};

const PROJECTS = [
  { id: 1, name: 'Moneyball', client_name: 'Acme', color: '#0b83d9', billable: false },
  { id: 2, name: 'Volt - Internal', client_name: 'Acme', color: '#9e5bd9', billable: false },
  { id: 3, name: 'Atlas Mobile', client_name: 'Northwind Traders', color: '#2da608', billable: true },
  { id: 4, name: 'Customer Portal - EU', client_name: 'Globex GmbH', color: '#e36a00', billable: true },
  { id: 5, name: 'Support & Ops', client_name: null, color: '#566614', billable: false },
] as const;
type ProjectName = (typeof PROJECTS)[number]['name'];
const projectId = (name: ProjectName | null) => (name === null ? null : PROJECTS.find((p) => p.name === name)!.id);

// ---------------------------------------------------------------------------------------------
// Fibery entities
// ---------------------------------------------------------------------------------------------

type State = 'Open' | 'In Progress' | 'In Review' | 'Done' | 'Closed';
const DONE: State[] = ['Done', 'Closed'];

type SpaceName = 'Scrum' | 'Product Management';
type TypeName = 'Task' | 'Bug' | 'Sub-task' | 'Feature' | 'Epic' | 'Sprint' | 'Hotfix' | 'Chore' | 'Request' | 'Feedback';

interface Entity {
  space: SpaceName;
  type: TypeName;
  id: string;
  publicId: string;
  name: string;
  project: ProjectName;
  state: State;
  assignees: string[];
  created: string; // date
  plannedStart?: string;
  plannedEnd?: string;
  values: Record<string, unknown>;
}

const EPICS: [string, string, string[]][] = [
  // publicId, name, the product areas of its features
  ['501', 'Identity & access', ['Identity', 'Compliance']],
  ['502', 'Billing v2', ['Billing']],
  ['503', 'Mobile field operations', ['Mobile']],
  ['504', 'Platform reliability', ['Platform']],
  ['505', 'Self-service reporting', ['Reporting']],
];

const FEATURES: [string, string, string, ProjectName, State, string[], string, string, string][] = [
  // publicId, name, product area, project, state, assignees, planned start, planned end, release date
  ['1560', 'Password-less login links', 'Identity', 'Moneyball', 'Done', ['francois', 'zoe'], '2026-09-07', '2026-10-23', '2026-10-28'],
  ['1568', 'Single sign-on with Azure AD', 'Identity', 'Moneyball', 'In Progress', ['francois', 'zoe'], '2026-10-19', '2026-11-27', '2026-12-02'],
  ['1571', 'Usage-based billing', 'Billing', 'Moneyball', 'In Progress', ['francois', 'jiri'], '2026-10-26', '2026-12-11', '2026-12-16'],
  ['1573', 'Offline mode for field technicians', 'Mobile', 'Atlas Mobile', 'In Progress', ['francois', 'jose'], '2026-10-12', '2026-11-20', '2026-11-25'],
  ['1575', 'Self-service data export', 'Reporting', 'Customer Portal - EU', 'In Review', ['francois', 'priya'], '2026-10-26', '2026-11-20', '2026-11-24'],
  ['1577', 'GDPR consent center', 'Compliance', 'Customer Portal - EU', 'In Progress', ['francois', 'mariana'], '2026-11-02', '2026-12-04', '2026-12-09'],
  ['1579', 'Push notifications 2.0', 'Mobile', 'Atlas Mobile', 'In Progress', ['mariana', 'jose'], '2026-10-19', '2026-11-27', '2026-12-02'],
  ['1582', 'Infrastructure as code migration', 'Platform', 'Volt - Internal', 'In Progress', ['lukasz'], '2026-10-05', '2026-11-20', '2026-11-20'],
  ['1584', 'Team dashboards', 'Reporting', 'Moneyball', 'Open', ['francois'], '2026-11-30', '2027-01-15', '2027-01-20'],
  ['1586', 'Multi-currency invoices', 'Billing', 'Customer Portal - EU', 'Open', ['francois', 'jiri'], '2026-11-16', '2026-12-18', '2027-01-06'],
  ['1590', 'Observability stack', 'Platform', 'Volt - Internal', 'In Progress', ['lukasz', 'priya'], '2026-11-02', '2026-12-04', '2026-12-04'],
];

const TASKS: [string, string, string, number, string[], State, string, string][] = [
  // publicId, name, feature, story points, assignees, state, planned start, planned end
  ['7601', 'Provision AWS infrastructure', '1582', 8, ['lukasz'], 'In Progress', '2026-11-02', '2026-11-13'],
  ['7603', 'Terraform modules for RDS and ElastiCache', '1582', 5, ['lukasz'], 'Done', '2026-11-09', '2026-11-12'],
  ['7605', 'Database migration window runbook', '1582', 3, ['lukasz', 'jiri'], 'Done', '2026-11-16', '2026-11-19'],
  ['7608', 'Prometheus exporters for API pods', '1590', 3, ['lukasz'], 'In Review', '2026-11-12', '2026-11-18'],
  ['7610', 'Grafana dashboards for on-call', '1590', 2, ['priya'], 'Open', '2026-11-19', '2026-11-27'],
  ['7612', 'Hotfix: session cookie SameSite flag', '1568', 1, ['zoe', 'lukasz'], 'Done', '2026-11-16', '2026-11-17'],
  ['7615', 'SAML assertion parser', '1568', 5, ['zoe', 'jiri'], 'Done', '2026-10-26', '2026-11-10'],
  ['7618', 'Azure AD tenant onboarding flow', '1568', 8, ['zoe'], 'In Progress', '2026-11-09', '2026-11-20'],
  ['7620', 'Metering events pipeline', '1571', 8, ['jiri'], 'In Progress', '2026-11-09', '2026-11-25'],
  ['7622', 'Usage aggregation job', '1571', 5, ['jiri', 'priya'], 'In Review', '2026-11-10', '2026-11-19'],
  ['7624', 'Stripe usage records sync', '1571', 5, ['priya'], 'In Progress', '2026-11-16', '2026-11-27'],
  ['7626', 'Billing settings page', '1571', 3, ['olena'], 'Done', '2026-11-09', '2026-11-13'],
  ['7629', 'Offline queue for work orders', '1573', 8, ['jose'], 'In Progress', '2026-11-02', '2026-11-18'],
  ['7631', 'Conflict resolution on sync', '1573', 5, ['jose'], 'Open', '2026-11-19', '2026-12-04'],
  ['7633', 'SQLite schema migrations on device', '1573', 3, ['jose'], 'In Review', '2026-11-12', '2026-11-20'],
  ['7636', 'Export job API', '1575', 5, ['priya'], 'Done', '2026-11-02', '2026-11-12'],
  ['7638', 'Export download center UI', '1575', 5, ['olena'], 'In Progress', '2026-11-12', '2026-11-24'],
  ['7640', 'CSV and XLSX writers', '1575', 3, ['priya'], 'Done', '2026-11-09', '2026-11-13'],
  ['7642', 'Consent banner component', '1577', 3, ['olena', 'mariana'], 'In Review', '2026-11-10', '2026-11-17'],
  ['7644', 'Consent audit log', '1577', 5, ['jiri'], 'Open', '2026-11-23', '2026-12-04'],
  ['7647', 'Push provider abstraction (FCM/APNs)', '1579', 5, ['jose'], 'Done', '2026-10-27', '2026-11-06'],
  ['7649', 'Notification preferences screen', '1579', 3, ['mariana', 'jose'], 'In Progress', '2026-11-16', '2026-11-26'],
  ['7651', 'Team dashboard widgets API (spike)', '1584', 5, ['priya'], 'Closed', '2026-10-19', '2026-10-30'],
  ['7653', 'Dashboard layout editor', '1584', 8, ['olena'], 'Open', '2026-11-30', '2026-12-11'],
  ['7658', 'Fix login redirect loop after SSO', '1568', 2, ['zoe'], 'In Progress', '2026-11-09', '2026-11-11'],
  ['7660', 'Invoice PDF template with multiple currencies', '1586', 5, ['olena'], 'Open', '2026-11-23', '2026-12-04'],
  ['7662', 'Currency conversion service', '1586', 5, ['jiri'], 'In Progress', '2026-11-16', '2026-11-27'],
  ['7664', 'Regression suite for SSO', '1568', 3, ['aoife'], 'In Progress', '2026-11-12', '2026-11-20'],
  ['7666', 'E2E tests for data export', '1575', 3, ['aoife'], 'Done', '2026-11-13', '2026-11-19'],
  ['7668', 'Load test usage pipeline', '1571', 2, ['aoife', 'lukasz'], 'Open', '2026-11-20', '2026-11-26'],
  ['7670', 'Design QA for notification settings', '1579', 1, ['mariana'], 'In Review', '2026-11-18', '2026-11-21'],
  ['7672', 'Alerting rules and runbooks', '1590', 3, ['lukasz', 'priya'], 'In Progress', '2026-11-16', '2026-11-24'],
];

const SUBTASKS: [string, string, string, number, string[], State][] = [
  // publicId, name, parent task, estimate (h), assignees, state. Sub-task 7658 shares its public id with Task 7658.
  ['7655', 'Write SSO callback unit tests', '7658', 4, ['zoe'], 'Done'],
  ['7656', 'Reproduce redirect loop on Safari', '7658', 2, ['aoife'], 'Done'],
  ['7657', 'Add metrics for export job durations', '7636', 3, ['priya'], 'Done'],
  ['7658', 'Update API docs for usage endpoint', '7620', 2, ['jiri'], 'Open'],
  ['7659', 'Pagination for export list', '7638', 5, ['olena'], 'In Progress'],
  ['7661', 'Retry policy for Stripe sync', '7624', 3, ['priya'], 'In Progress'],
  ['7663', 'Icons for notification categories', '7649', 4, ['mariana'], 'Done'],
  ['7665', 'Seed data for load tests', '7668', 3, ['aoife'], 'Open'],
  ['7667', 'Dark mode for consent banner', '7642', 2, ['mariana'], 'In Review'],
  ['7669', 'Background sync scheduler', '7629', 6, ['jose'], 'In Progress'],
  ['7671', 'IAM roles for CI runners', '7601', 3, ['lukasz'], 'Done'],
  ['7673', 'Tenant settings migration', '7618', 4, ['zoe'], 'In Progress'],
];

const BUGS: [string, string, string, string, string, string[], State, string | null][] = [
  // publicId, name, feature, severity, priority, assignees, state, root cause
  ['2101', 'Login fails with 500 when email has uppercase letters', '1568', 'S2 - Major', 'P1', ['zoe'], 'Done', 'Case-sensitive email lookup in the users index.'],
  ['2104', 'Export stuck at 99% for large workspaces', '1575', 'S2 - Major', 'P2', ['priya'], 'In Progress', null],
  ['2107', 'Push notifications duplicated on Android 14', '1579', 'S3 - Minor', 'P2', ['jose'], 'In Review', 'Token refresh registered a second FCM listener.'],
  ['2109', 'Usage totals off by one day around DST', '1571', 'S2 - Major', 'P1', ['jiri'], 'In Progress', null],
  ['2112', 'Consent banner overlaps cookie settings on mobile', '1577', 'S3 - Minor', 'P3', ['mariana'], 'Open', null],
  ['2113', 'Crash when opening a work order without network', '1573', 'S1 - Critical', 'P1', ['jose', 'aoife'], 'Done', 'Null check missing on the cached customer record.'],
  ['2116', 'Grafana panel shows stale data after deploy', '1590', 'S4 - Trivial', 'P4', ['lukasz'], 'Closed', 'Dashboard JSON cached by the CDN.'],
  ['2118', 'Invoice totals rounded incorrectly for JPY', '1586', 'S2 - Major', 'P2', ['jiri'], 'Open', null],
  ['2120', 'Session expires after 5 minutes on Safari', '1568', 'S2 - Major', 'P1', ['zoe'], 'In Review', 'SameSite=None set without the Secure flag.'],
  ['2121', 'Typo in Ukrainian translation of the billing page', '1571', 'S4 - Trivial', 'P4', ['olena'], 'Done', 'uk-UA strings were not reviewed.'],
  ['2123', 'Slow dashboard load (>8 s) for teams over 200 users', '1584', 'S3 - Minor', 'P3', ['priya'], 'Open', null],
  ['2125', 'Terraform plan drift on staging VPC', '1582', 'S3 - Minor', 'P3', ['lukasz'], 'In Progress', null],
  ['2127', 'Exported CSV breaks on non-ASCII names (Zoë → ZoÃ«)', '1575', 'S2 - Major', 'P2', ['priya', 'aoife'], 'Done', 'The CSV writer defaulted to latin1; now UTF-8 with BOM.'],
  ['2128', 'Sync conflict dialog shows the wrong timezone', '1573', 'S3 - Minor', 'P3', ['jose'], 'Open', null],
  ['2130', 'Health check returns 200 when the database is down', '1590', 'S1 - Critical', 'P1', ['lukasz', 'jiri'], 'Done', 'The health check never pinged the database.'],
];

const REQUESTS: [string, string, string, string, string | null, State, number][] = [
  // publicId, name, customer, priority, feature, state, votes
  ['301', 'Bulk export of invoices as ZIP', 'Globex GmbH', 'High', '1575', 'Open', 12],
  ['304', 'SSO with Okta', 'Initech', 'High', '1568', 'In Progress', 9],
  ['305', 'Offline photos in work orders', 'Northwind Traders', 'Medium', '1573', 'Open', 5],
  ['308', 'Weekly usage email for admins', 'Umbrella Corp', 'Low', '1571', 'Open', 3],
  ['311', 'Consent export for auditors', 'Globex GmbH', 'High', '1577', 'In Review', 7],
  ['312', 'Quiet hours for notifications', 'Northwind Traders', 'Medium', '1579', 'Done', 15],
  ['314', 'Dashboards per department', 'Initech', 'Medium', '1584', 'Open', 4],
  ['317', 'Invoices in CHF and SEK', 'Globex GmbH', 'High', '1586', 'In Progress', 8],
  ['319', 'Higher API rate limits', 'Hooli', 'Low', null, 'Closed', 2],
  ['322', 'Spanish UI translation', 'Vandelay Industries', 'Medium', null, 'Open', 6],
];

const HOTFIXES: [string, string, string, string[], State, string | null][] = [
  // publicId, name, severity, assignees, state, completion date
  ['7680', 'Hotfix: payment webhook retries exhausted', 'S1 - Critical', ['lukasz', 'jiri'], 'Done', '2026-11-11'],
  ['7682', 'Hotfix: consent banner blocks checkout on iOS', 'S2 - Major', ['olena'], 'In Progress', null],
];

const CHORES: [string, string, string, string[], State][] = [
  // publicId, name, project, assignees, state
  ['7690', 'Upgrade Node.js to 22 LTS on CI', 'Volt - Internal', ['lukasz'], 'Done'],
  ['7692', 'Rotate staging database credentials', 'Volt - Internal', ['lukasz'], 'In Progress'],
  ['7694', 'Clean up unused feature flags', 'Moneyball', ['zoe', 'olena'], 'Open'],
];

const FEEDBACK: [string, string, string, string, string | null][] = [
  // publicId, name, source, sentiment, request
  ['401', 'Exports time out for our largest workspace', 'Support ticket', 'Negative', '301'],
  ['402', 'Love the new login links, please add Okta', 'Customer call', 'Positive', '304'],
  ['403', 'Technicians lose photos when offline', 'In-app survey', 'Negative', '305'],
  ['404', 'Notification settings are hard to find', 'User interview', 'Neutral', '312'],
  ['405', 'Pricing page is unclear about usage billing', 'Sales call', 'Neutral', null],
];

const SPRINTS = [
  { publicId: '11', name: 'Sprint 41', start: '2026-10-26', end: '2026-11-06' },
  { publicId: '12', name: 'Sprint 42', start: '2026-11-09', end: '2026-11-20' },
  { publicId: '13', name: 'Sprint 43', start: '2026-11-23', end: '2026-12-04' },
];

const entities: Entity[] = [];
const byKey = new Map<string, Entity>();
const find = (type: TypeName, publicId: string) => byKey.get(`${type}#${publicId}`)!;
const add = (e: Entity) => {
  entities.push(e);
  byKey.set(`${e.type}#${e.publicId}`, e);
  return e;
};
const ref = (e: Entity) => ({ public_id: e.publicId, name: e.name, id: e.id, type: `${e.space}/${e.type}` });
const sprintFor = (plannedEnd: string) => find('Sprint', (SPRINTS.find((s) => plannedEnd <= s.end) ?? SPRINTS[SPRINTS.length - 1]!).publicId);
const epicOf = (area: string) => find('Epic', EPICS.find(([, , areas]) => areas.includes(area))![0]);
const priorityOf = (state: State) => (state === 'Open' ? pick(['P2', 'P3', 'P4']) : pick(['P1', 'P2', 'P2', 'P3']));

for (const [publicId, name] of EPICS) {
  add({ space: 'Scrum', type: 'Epic', id: uuid(), publicId, name, project: 'Moneyball', state: 'In Progress', assignees: ['francois'], created: '2026-06-15', values: {} });
}
for (const s of SPRINTS) {
  const state: State = s.end < PERIOD.start_date ? 'Done' : s.start > PERIOD.end_date ? 'Open' : 'In Progress';
  add({ space: 'Scrum', type: 'Sprint', id: uuid(), publicId: s.publicId, name: s.name, project: 'Volt - Internal', state, assignees: ['francois'], created: addDays(s.start, -14), values: { 'Start Date': s.start, 'End Date': s.end, Dates: { start: s.start, end: s.end } } });
}
for (const [publicId, name, area, project, state, assignees, plannedStart, plannedEnd, release] of FEATURES) {
  add({
    space: 'Scrum',
    type: 'Feature',
    id: uuid(),
    publicId,
    name,
    project,
    state,
    assignees,
    created: between('2026-07-01', addDays(plannedStart, -10)),
    plannedStart,
    plannedEnd,
    values: {
      Epic: ref(epicOf(area)),
      'Dev Planned Start Date': plannedStart,
      'Dev Planned End Date': plannedEnd,
      'Dev Actual Start Date': state === 'Open' ? null : plannedStart,
      'Dev Actual End Date': DONE.includes(state) ? plannedEnd : null,
      'Planned Release Date': release,
      'Actual Release Date': DONE.includes(state) ? release : null,
      'Feature time spent (H)': int(12, 130),
    },
  });
}
for (const [publicId, name, feature, points, assignees, state, plannedStart, plannedEnd] of TASKS) {
  const f = find('Feature', feature);
  const done = DONE.includes(state);
  add({
    space: 'Scrum',
    type: 'Task',
    id: uuid(),
    publicId,
    name,
    project: f.project,
    state,
    assignees,
    created: between(addDays(plannedStart, -40), addDays(plannedStart, -3)),
    plannedStart,
    plannedEnd,
    values: {
      'Effort (pt)': points,
      Sprint: ref(sprintFor(plannedEnd)),
      Epic: f.values.Epic,
      Feature: ref(f),
      'Planned Start': plannedStart,
      'Planned End': plannedEnd,
      'Completion Date': done ? (plannedEnd > '2026-11-20' ? '2026-11-20' : addDays(plannedEnd, int(-1, 0))) : null,
      Priority: priorityOf(state),
      'Time spent (H)': int(2, 4 * points) + (done ? points : 0),
    },
  });
}
for (const [publicId, name, parent, estimate, assignees, state] of SUBTASKS) {
  const t = find('Task', parent);
  add({
    space: 'Scrum',
    type: 'Sub-task',
    id: uuid(),
    publicId,
    name,
    project: t.project,
    state,
    assignees,
    created: between(addDays(t.plannedStart!, -7), t.plannedStart!),
    plannedEnd: t.plannedEnd,
    values: {
      Task: ref(t),
      'Estimate (h)': estimate,
      Blocked: state === 'In Progress' && chance(0.3),
      'Started Date': state === 'Open' ? null : `${t.plannedStart!}T09:00:00.000Z`,
      'Completed Date': DONE.includes(state) ? `${between(t.plannedStart!, t.plannedEnd!)}T17:00:00.000Z` : null,
    },
  });
}
for (const [publicId, name, feature, severity, priority, assignees, state, rootCause] of BUGS) {
  const f = find('Feature', feature);
  const created = publicId > '2115' ? between('2026-11-09', '2026-11-18') : between('2026-10-05', '2026-11-06');
  const plannedEnd = addDays(created, severity.startsWith('S1') ? 2 : severity.startsWith('S2') ? 7 : 21);
  add({
    space: 'Scrum',
    type: 'Bug',
    id: uuid(),
    publicId,
    name,
    project: f.project,
    state,
    assignees,
    created,
    plannedEnd,
    values: { Severity: severity, Priority: priority, 'Root cause': rootCause, 'Planned End': plannedEnd, Feature: ref(f) },
  });
}
for (const [publicId, name, severity, assignees, state, completed] of HOTFIXES) {
  const created = between('2026-11-09', '2026-11-16');
  add({ space: 'Scrum', type: 'Hotfix', id: uuid(), publicId, name, project: 'Moneyball', state, assignees, created, values: { Severity: severity, Priority: 'P1', 'Completion Date': completed } });
}
for (const [publicId, name, project, assignees, state] of CHORES) {
  add({ space: 'Scrum', type: 'Chore', id: uuid(), publicId, name, project: project as ProjectName, state, assignees, created: between('2026-10-12', '2026-11-10'), values: { Priority: priorityOf(state) } });
}
for (const [publicId, name, customer, priority, feature, state, votes] of REQUESTS) {
  const f = feature === null ? null : find('Feature', feature);
  const created = between('2026-06-01', '2026-11-12');
  add({
    space: 'Product Management',
    type: 'Request',
    id: uuid(),
    publicId,
    name,
    project: f?.project ?? 'Customer Portal - EU',
    state,
    assignees: ['francois'],
    created,
    values: { Customer: customer, Priority: priority, Feature: f ? ref(f) : null, 'Received On': created, Votes: votes },
  });
}
for (const [publicId, name, source, sentiment, request] of FEEDBACK) {
  const r = request === null ? null : find('Request', request);
  const created = between('2026-09-01', '2026-11-13');
  add({
    space: 'Product Management',
    type: 'Feedback',
    id: uuid(),
    publicId,
    name,
    project: r?.project ?? 'Customer Portal - EU',
    state: r ? 'Closed' : 'Open',
    assignees: ['francois'],
    created,
    values: { Source: source, Sentiment: sentiment, Customer: r ? (r.values.Customer as string) : 'Initech', Request: r ? ref(r) : null },
  });
}
const linked = (type: TypeName, field: string, f: Entity) => entities.filter((e) => e.type === type && (e.values[field] as { public_id: string } | null)?.public_id === f.publicId).map(ref);
for (const f of entities.filter((e) => e.type === 'Feature')) {
  f.values.Tasks = linked('Task', 'Feature', f);
  f.values.Bugs = linked('Bug', 'Feature', f);
  f.values.Requests = linked('Request', 'Feature', f);
}

// ---------------------------------------------------------------------------------------------
// Descriptions and comments
// ---------------------------------------------------------------------------------------------

function descriptionFor(e: Entity): string | null {
  if (chance(0.1)) return null;
  switch (e.type) {
    case 'Feature':
      return `## Problem\nCustomers of **${e.project}** asked for ${e.name.toLowerCase()}.\n\n## Goals\n- Ship ${e.name.toLowerCase()} behind a feature flag\n- Measure adoption for four weeks\n\n## Out of scope\n- Data migration of archived workspaces\n\n> Owner: ${e.assignees.map((a) => person(a).fullname).join(', ')}`;
    case 'Task':
      return `## Context\nPart of *${(e.values.Feature as { name: string }).name}*.\n\n## Plan\n1. Spike and agree on the approach\n2. Implement ${e.name.toLowerCase()}\n3. Tests and review\n\n\`\`\`bash\nmake test TARGET=${e.publicId}\n\`\`\``;
    case 'Sub-task':
      return `Split out of **${(e.values.Task as { name: string }).name}**.\n\n- [ ] ${e.name}\n- [ ] Update the changelog`;
    case 'Bug':
      return `### What happens\n${e.name}.\n\n### Environment\n- Browser: ${pick(['Chrome 131', 'Safari 18.1', 'Firefox 133', 'Android 14 app', 'iOS 18 app'])}\n- Tenant: \`${pick(['globex-eu', 'initech', 'northwind', 'acme-staging'])}\`\n\nReported by support ticket #${int(41000, 48999)}.`;
    case 'Request':
      return `${e.values.Customer as string} writes:\n\n> We would like ${e.name.toLowerCase()}. It blocks our rollout to ${int(2, 40)} more teams.\n\nVotes so far: ${e.values.Votes as number}.`;
    case 'Feedback':
      return `From a ${(e.values.Source as string).toLowerCase()} with ${e.values.Customer as string}:\n\n> ${e.name}.`;
    case 'Epic':
      return `## Why\nEverything that makes **${e.name.toLowerCase()}** good enough for our largest customers.\n\n## Features\nSee the linked features.`;
    case 'Sprint':
      return `Sprint goal: ship what is planned for ${e.name} without carrying over more than two tasks.`;
    case 'Hotfix':
      return `### Incident\n${e.name.replace(/^Hotfix: /, '')}.\n\n### Fix\nPatched on the release branch and deployed out of band.`;
    case 'Chore':
      return `${e.name}.\n\n- [ ] Do it on staging\n- [ ] Then production`;
  }
}

const COMMENTS_OPEN = [
  'Picked this up, first draft by tomorrow.',
  'Blocked by the API rate limit on the Globex side, waiting for their answer.',
  'PR #{pr} is up for review.',
  'Estimate bumped after the spike: the legacy code path is bigger than expected.',
  'Paired with {other} on this, notes are in the description.',
  'Can we move the planned end? Support took most of Tuesday.',
  'Готово на 80%, залишилися тести.',
  'Hecho en local, falta probar en staging.',
];
const COMMENTS_DONE = ['Deployed to production, monitoring for a day.', 'Verified on staging, closing.', 'Merged in PR #{pr}.', 'QA passed, thanks {other}!', "C'est livré, merci à tous."];

function commentsFor(e: Entity): { author: string; created_at: string; text_md: string }[] {
  const n = int(0, 3);
  const out: { author: string; created_at: string; text_md: string }[] = [];
  const pool = DONE.includes(e.state) ? COMMENTS_DONE : COMMENTS_OPEN;
  const authors = [...e.assignees, 'francois', 'aoife'];
  let date = e.created;
  for (let i = 0; i < n; i++) {
    date = between(date, '2026-11-21');
    const other = person(pick(PEOPLE.map((p) => p.key))).fullname;
    out.push({ author: person(pick(authors)).fullname, created_at: utcStamp(date, int(8 * 60, 18 * 60)), text_md: pick(pool).replace('{pr}', String(int(40, 480))).replace('{other}', other) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Time entries
// ---------------------------------------------------------------------------------------------

interface Entry {
  person: Person;
  description: string;
  project: ProjectName | null;
  tags: string[];
  startMs: number;
  stopMs: number | null;
}
const entries: Entry[] = [];

interface Activity {
  description: string;
  project: ProjectName | null;
  tags: string[];
  minutes: number;
}

/** The description a person's timer uses for an entity: mostly the "Start Timer" format, sometimes hand-edited. */
const timerText = new Map<string, string>();
function entityDescription(p: Person, e: Entity): string {
  const k = `${p.key}:${e.space}/${e.type}#${e.publicId}`;
  let d = timerText.get(k);
  if (d === undefined) {
    const r = rnd();
    if (r < 0.8) d = `${e.name} #${e.publicId} [${e.space}] [${e.type}] [${e.project}]`;
    else if (r < 0.92) d = `${e.name} #${e.publicId} [${e.space}] [${e.type}]`;
    else if (r < 0.97) d = `${e.name}#${e.publicId}[${e.space}][${e.type}][${e.project}]`;
    else d = `[WIP] ${e.name} #${e.publicId} [${e.space}] [${e.type}] [${e.project}]`;
    timerText.set(k, d);
  }
  return d;
}

function workOn(p: Person, e: Entity, minutes: number): Activity {
  const d = chance(0.04) ? `PR #${int(40, 480)} review #${e.publicId} [${e.space}] [${e.type}]` : entityDescription(p, e);
  return { description: d, project: chance(0.04) ? null : e.project, tags: [], minutes };
}

/**
 * Types that exist in the schema but get no time: every type with time costs the Fibery stage
 * requests (an introspected query name, a batch), and the demo should stay short.
 */
const UNTRACKED: TypeName[] = ['Epic', 'Sprint', 'Chore', 'Feedback'];

/** Entities a person works on in a week: their own, active around that week. */
function focusFor(p: Person, weekStart: string): Entity[] {
  const weekEnd = addDays(weekStart, 6);
  const own = entities.filter((e) => e.assignees.includes(p.key) && !UNTRACKED.includes(e.type) && e.created <= weekEnd);
  const active = own.filter((e) => {
    if (e.type === 'Feature' || e.type === 'Request') return e.state !== 'Closed';
    if (e.state === 'Open') return (e.plannedStart ?? e.created) <= weekEnd && chance(0.5);
    if (DONE.includes(e.state)) return (e.plannedEnd ?? '2026-11-20') >= weekStart && (e.plannedEnd ?? '') <= addDays(weekEnd, 2);
    return true;
  });
  return shuffle(active.length > 0 ? active : own).slice(0, p.role === 'pm' ? 6 : 4);
}

const SPECIAL: Record<string, Activity[]> = {
  // person:date → activities added to that day (the edge cases every client must handle)
  'zoe:2026-11-09': [{ description: 'Fix login #7658 [Scrum] [Task] [Moneyball]', project: 'Moneyball', tags: [], minutes: 95 }],
  'zoe:2026-11-10': [{ description: 'Task#7658[Scrum][Task][Moneyball]', project: 'Moneyball', tags: [], minutes: 50 }],
  'zoe:2026-11-11': [{ description: 'PR #45 review #7658 [Scrum] [Task]', project: 'Moneyball', tags: ['review'], minutes: 35 }],
  'zoe:2026-11-12': [{ description: '[WIP] Fix login redirect loop after SSO #7658 [Scrum] [Task] [Moneyball]', project: 'Moneyball', tags: [], minutes: 120 }],
  'jiri:2026-11-12': [{ description: 'Investigate flaky CI pipeline #99999 [Scrum] [Task] [Volt - Internal]', project: 'Volt - Internal', tags: [], minutes: 80 }],
  'lukasz:2026-11-17': [{ description: 'Hotfix deploy #7612', project: 'Moneyball', tags: [], minutes: 50 }],
  // A hotfix (findHotfixes), worked on before and after its completion date (2026-11-11)
  'lukasz:2026-11-10': [{ description: 'Hotfix: payment webhook retries exhausted #7680 [Scrum] [Hotfix] [Moneyball]', project: 'Moneyball', tags: [], minutes: 120 }],
  'jiri:2026-11-11': [{ description: 'Hotfix: payment webhook retries exhausted #7680 [Scrum] [Hotfix] [Moneyball]', project: 'Moneyball', tags: [], minutes: 60 }],
  'lukasz:2026-11-13': [{ description: 'Hotfix: payment webhook retries exhausted #7680 [Scrum] [Hotfix] [Moneyball]', project: 'Moneyball', tags: [], minutes: 30 }],
  // Done tasks that still get time after their completion date
  'lukasz:2026-11-16': [{ description: 'Terraform modules for RDS and ElastiCache #7603 [Scrum] [Task] [Volt - Internal]', project: 'Volt - Internal', tags: [], minutes: 45 }],
  'olena:2026-11-19': [{ description: 'Billing settings page #7626 [Scrum] [Task] [Moneyball]', project: 'Moneyball', tags: [], minutes: 35 }],
  'mariana:2026-11-11': [{ description: '', project: null, tags: [], minutes: 25 }],
  'priya:2026-11-11': [{ description: 'Benchmark export queries #7636 [Scrum]', project: 'Customer Portal - EU', tags: [], minutes: 60 }],
  'olena:2026-11-10': [{ description: 'Виправити переклад сторінки оплати #2121 [Scrum] [Bug] [Moneyball]', project: 'Moneyball', tags: [], minutes: 45 }],
  'olena:2026-11-18': [{ description: 'Встреча с клиентом', project: 'Customer Portal - EU', tags: ['meeting'], minutes: 60 }],
  'jose:2026-11-16': [{ description: '', project: null, tags: [], minutes: 40 }],
  'aoife:2026-11-19': [{ description: 'Sub-task check #7656 [Scrum] [Sub-task] [Moneyball]', project: 'Moneyball', tags: [], minutes: 30 }],
};

const EXTRAS: Record<Role, [number, Activity][]> = {
  dev: [
    [0.35, { description: 'Code review', project: null, tags: ['review'], minutes: 45 }],
    [0.12, { description: 'Support', project: 'Support & Ops', tags: ['support'], minutes: 60 }],
    [0.05, { description: 'Hiring interview', project: 'Volt - Internal', tags: ['meeting'], minutes: 60 }],
  ],
  qa: [[0.3, { description: 'Exploratory testing session', project: 'Volt - Internal', tags: [], minutes: 60 }], [0.25, { description: 'Support', project: 'Support & Ops', tags: ['support'], minutes: 45 }]],
  ops: [[0.4, { description: 'Support', project: 'Support & Ops', tags: ['support'], minutes: 75 }], [0.3, { description: 'Code review', project: null, tags: ['review'], minutes: 30 }]],
  pm: [
    [0.5, { description: 'Réunion produit', project: 'Volt - Internal', tags: ['meeting'], minutes: 60 }],
    [0.4, { description: 'Customer call', project: 'Customer Portal - EU', tags: ['meeting'], minutes: 45 }],
    [0.3, { description: 'Email & Slack', project: null, tags: [], minutes: 40 }],
  ],
  design: [[0.35, { description: 'Design review', project: null, tags: ['review'], minutes: 45 }], [0.15, { description: 'User interview', project: 'Atlas Mobile', tags: ['meeting'], minutes: 60 }]],
};

function planDay(p: Person, date: string, focus: Entity[]): Activity[] {
  const plan: Activity[] = [];
  const meetings: Activity[] = [];
  const wd = weekday(date);
  meetings.push({ description: p.standup, project: null, tags: ['meeting'], minutes: 15 });
  if (SPRINTS.some((s) => s.start === date)) meetings.push({ description: 'Sprint planning', project: 'Volt - Internal', tags: ['meeting'], minutes: 90 });
  if (SPRINTS.some((s) => s.end === date)) {
    meetings.push({ description: 'Sprint review', project: 'Volt - Internal', tags: ['meeting'], minutes: 45 });
    meetings.push({ description: 'Sprint retrospective', project: 'Volt - Internal', tags: ['meeting'], minutes: 60 });
  }
  if (p.key === 'jose' && wd === 3) meetings.push({ description: 'Revisión de código', project: 'Atlas Mobile', tags: ['review'], minutes: 40 });
  if (p.key === 'francois' && (wd === 2 || wd === 4)) meetings.push({ description: `1:1 with ${pick(['Zoë', 'Jiří', 'Olena', 'Mariana'])}`, project: null, tags: ['meeting'], minutes: 30 });
  if (p.key === 'francois' && wd === 4) meetings.push({ description: "Réunion d'équipe", project: 'Volt - Internal', tags: ['meeting'], minutes: 45 });
  for (const [prob, a] of EXTRAS[p.role]) if (chance(prob)) plan.push({ ...a, minutes: a.minutes + int(-10, 15) });
  plan.push(...(SPECIAL[`${p.key}:${date}`] ?? []));

  const target = date === '2026-11-13' && p.key === 'jose' ? 190 : int(360, 432); // José: half day off on Friday 13th
  let total = [...meetings, ...plan].reduce((s, a) => s + a.minutes, 0);
  let i = 0;
  while (total < target - 20) {
    const e = focus[i % focus.length]!;
    i += chance(0.7) ? 1 : 0;
    const minutes = Math.min(target - total, int(40, 160));
    plan.push(workOn(p, e, minutes));
    total += minutes;
  }
  // standup first, other meetings at random places, work around them
  const [standup, ...rest] = meetings;
  const day = shuffle([...plan, ...rest]);
  return [standup!, ...day];
}

function layOut(p: Person, date: string, plan: Activity[], startMinute: number): void {
  let t = startMinute;
  let worked = 0;
  let lunch = false;
  for (const a of plan) {
    const startMs = localMs(date, t, p.offset) + int(0, 59) * 1000;
    const stopMs = Math.min(startMs + a.minutes * 60_000 + int(-45, 45) * 1000, localMs(date, t + a.minutes, p.offset));
    entries.push({ person: p, description: a.description, project: a.project, tags: [...a.tags], startMs, stopMs });
    worked += a.minutes;
    t += a.minutes + int(0, 12);
    if (!lunch && worked >= 200) {
      lunch = true;
      t += int(35, 65);
    }
  }
}

const DAYS: string[] = [];
for (let d = PREVIOUS_START; d <= PERIOD.end_date; d = addDays(d, 1)) DAYS.push(d);

for (const p of PEOPLE) {
  let focus: Entity[] = [];
  for (const date of DAYS) {
    if (weekday(date) === 1) focus = focusFor(p, date);
    if (isWeekend(date)) continue;
    if (p.key === 'aoife' && date === '2026-11-12') continue; // sick day
    layOut(p, date, planDay(p, date, focus), int(8 * 60 + 15, 9 * 60 + 40));
  }
}

const extra = (key: string, start: string, minutes: number | null, description: string, project: ProjectName | null, tags: string[] = []) => {
  const p = person(key);
  const startMs = Date.parse(`${start}${p.offset}`);
  entries.push({ person: p, description, project, tags, startMs, stopMs: minutes === null ? null : startMs + minutes * 60_000 });
};
// Weekend work, evenings and the edge cases around the period's borders.
extra('lukasz', '2026-11-14T10:05:12', 125, entityDescription(person('lukasz'), find('Task', '7601')), 'Volt - Internal', ['overtime']);
extra('lukasz', '2026-11-18T22:40:03', 150, 'Database migration window #7605 [Scrum] [Task] [Volt - Internal]', 'Volt - Internal', ['overtime']); // crosses midnight
extra('priya', '2026-11-21T11:20:40', 95, entityDescription(person('priya'), find('Bug', '2104')), 'Customer Portal - EU', ['overtime']);
extra('mariana', '2026-11-22T21:00:00', 150, entityDescription(person('mariana'), find('Task', '7649')), 'Atlas Mobile'); // local Sunday, UTC Monday
extra('zoe', '2026-11-22T21:30:00', null, 'Fix login redirect loop after SSO #7658 [Scrum] [Task] [Moneyball]', 'Moneyball'); // running
// Two entries that overlap each other (and the day's other entries), and one over ten hours.
extra('francois', '2026-11-19T13:00:00', 120, 'Usage-based billing roadmap #1571 [Scrum] [Feature] [Moneyball]', 'Moneyball');
extra('francois', '2026-11-19T14:00:00', 45, 'Customer call', 'Customer Portal - EU', ['meeting']);
extra('jiri', '2026-11-17T08:55:00', 11 * 60 + 20, 'Metering events pipeline #7620 [Scrum] [Task] [Moneyball]', 'Moneyball');
// Outside the period: the simulator must filter these out.
extra('zoe', '2026-11-06T09:02:10', 240, entityDescription(person('zoe'), find('Task', '7615')), 'Moneyball');
extra('jiri', '2026-11-06T13:30:00', 180, entityDescription(person('jiri'), find('Task', '7615')), 'Moneyball');
extra('priya', '2026-11-23T01:00:00', 45, 'Prod incident call', 'Support & Ops', ['support']); // local Monday, UTC Sunday
extra('aoife', '2026-11-23T09:00:00', 15, 'Daily standup', null, ['meeting']);

entries.sort((a, b) => a.startMs - b.startMs || a.person.id - b.person.id);

// ---------------------------------------------------------------------------------------------
// Assemble
// ---------------------------------------------------------------------------------------------

// Field names as in a real workspace's schema (shared/facts/apis.md, "Learned since").
const F = {
  date: (name: string): DatasetField => ({ name, kind: 'date' }),
  text: (name: string): DatasetField => ({ name, kind: 'text' }),
  number: (name: string): DatasetField => ({ name, kind: 'number' }),
  boolean: (name: string): DatasetField => ({ name, kind: 'boolean' }),
  datetime: (name: string): DatasetField => ({ name, kind: 'datetime' }),
  select: (name: string): DatasetField => ({ name, kind: 'single_select' }),
  range: (name: string): DatasetField => ({ name, kind: 'date_range' }),
  rich: (name: string): DatasetField => ({ name, kind: 'rich_text' }),
  relation: (name: string, target: string): DatasetField => ({ name, kind: 'relation', target }),
  relations: (name: string, target: string): DatasetField => ({ name, kind: 'relation_list', target }),
};

const SPACES: { name: SpaceName; comment_shape: CommentShape; types: { name: TypeName; fields: DatasetField[] }[] }[] = [
  {
    name: 'Scrum',
    // Comments as a real 2025 workspace stores them: no text on the comment, only the secret of the
    // document that holds it (read through the documents API), and who created it.
    comment_shape: 'document',
    types: [
      {
        name: 'Task',
        fields: [
          F.number('Effort (pt)'),
          F.relation('Sprint', 'Scrum/Sprint'),
          F.relation('Epic', 'Scrum/Epic'),
          F.relation('Feature', 'Scrum/Feature'),
          F.date('Planned Start'),
          F.date('Planned End'),
          F.date('Completion Date'),
          F.select('Priority'),
          F.number('Time spent (H)'),
        ],
      },
      { name: 'Bug', fields: [F.select('Severity'), F.select('Priority'), F.rich('Root cause'), F.date('Planned End'), F.relation('Feature', 'Scrum/Feature')] },
      // A real Sub-task: its parent is `Task`, it is done on `Completed Date`, and it has no planned end.
      { name: 'Sub-task', fields: [F.relation('Task', 'Scrum/Task'), F.number('Estimate (h)'), F.boolean('Blocked'), F.datetime('Started Date'), F.datetime('Completed Date')] },
      {
        name: 'Feature',
        // Planned and actual dates of development and of the release, as a real workspace names them.
        fields: [
          F.relation('Epic', 'Scrum/Epic'),
          F.date('Dev Planned Start Date'),
          F.date('Dev Planned End Date'),
          F.date('Dev Actual Start Date'),
          F.date('Dev Actual End Date'),
          F.date('Planned Release Date'),
          F.date('Actual Release Date'),
          F.number('Feature time spent (H)'),
          F.relations('Tasks', 'Scrum/Task'),
          F.relations('Bugs', 'Scrum/Bug'),
          F.relations('Requests', 'Product Management/Request'),
        ],
      },
      { name: 'Epic', fields: [] },
      { name: 'Sprint', fields: [F.date('Start Date'), F.date('End Date'), F.range('Dates')] },
      { name: 'Hotfix', fields: [F.select('Severity'), F.select('Priority'), F.date('Completion Date')] },
      { name: 'Chore', fields: [F.select('Priority')] },
    ],
  },
  {
    name: 'Product Management',
    // Comments as a `content { md }` object: both shapes occur, so a client has to read introspection.
    comment_shape: 'content',
    types: [
      { name: 'Request', fields: [F.text('Customer'), F.select('Priority'), F.relation('Feature', 'Scrum/Feature'), F.date('Received On'), F.number('Votes')] },
      { name: 'Feedback', fields: [F.text('Source'), F.text('Sentiment'), F.text('Customer'), F.relation('Request', 'Product Management/Request')] },
    ],
  },
];

function renderEntity(e: Entity) {
  const description_md = descriptionFor(e);
  const comments = commentsFor(e);
  const lastComment = comments.at(-1)?.created_at.slice(0, 10) ?? e.created;
  const touched = e.state === 'Open' ? between(e.created, '2026-11-20') : between('2026-11-09', '2026-11-21');
  const modified = [lastComment, touched, e.created].sort().at(-1)!;
  return {
    id: e.id,
    public_id: e.publicId,
    name: e.name,
    state: e.state,
    created_at: utcStamp(e.created, int(7 * 60, 18 * 60)),
    modified_at: utcStamp(modified, int(18 * 60, 20 * 60)),
    description_md,
    assignees: e.assignees.map((k) => ({ name: person(k).fullname, email: person(k).email })),
    comments,
    values: e.values,
  };
}

const dataset = {
  name: 'Acme Software (sample)',
  period: PERIOD,
  toggl: {
    workspace_id: 4242,
    users: PEOPLE.map((p) => ({
      id: p.id,
      email: p.email,
      fullname: p.fullname,
      timezone_offset: p.offset,
      timezone: p.timezone,
      is_admin: p.admin ?? false,
      role: p.admin ? 'admin' : 'user',
    })),
    projects: PROJECTS.map((p) => ({ ...p })),
    time_entries: entries.map((e, i) => ({
      id: 900_001 + i,
      user_id: e.person.id,
      description: e.description,
      project_id: projectId(e.project),
      tags: e.tags,
      billable: e.project !== null && PROJECTS.find((p) => p.name === e.project)!.billable,
      start: formatInOffset(e.startMs, offsetMinutes(e.person.offset)),
      stop: e.stopMs === null ? null : formatInOffset(e.stopMs, offsetMinutes(e.person.offset)),
    })),
  },
  fibery: {
    workspace: 'acme',
    spaces: SPACES.map((s) => ({
      name: s.name,
      comment_shape: s.comment_shape,
      types: s.types.map((t) => ({
        name: t.name,
        fields: t.fields.map((f) => ({ ...f })),
        entities: entities.filter((e) => e.space === s.name && e.type === t.name).map(renderEntity),
      })),
    })),
  },
};

const validated = parseDataset(dataset, 'generated sample');
const json = `${JSON.stringify(dataset, null, 2)}\n`;
if (process.argv.includes('--check')) {
  const current = await readFile(OUT, 'utf8').catch(() => '');
  if (current !== json) {
    console.error(`${OUT} is out of date: run node --import tsx scripts/generate-sample-dataset.ts`);
    process.exit(1);
  }
  console.log(`${OUT} is up to date`);
} else {
  await mkdir(dirname(OUT), { recursive: true });
  await writeFile(OUT, json);
  const n = validated.fibery.spaces.flatMap((s) => s.types).map((t) => `${t.name} ${t.entities.length}`);
  console.log(`wrote ${OUT}: ${validated.toggl.users.length} people, ${validated.toggl.time_entries.length} time entries, entities: ${n.join(', ')} (${(json.length / 1024).toFixed(0)} KB)`);
}
