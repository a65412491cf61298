// The worker bundles this file: every workflow it serves is exported here.
export { TogglFiberyPipeline } from './pipeline.js';
export { TogglFetch } from './toggl-fetch.js';
export { ScheduledReport } from './scheduled.js';
export { DeliverReports } from './deliver.js';
export { ApiBudget } from './api-budget.js';
