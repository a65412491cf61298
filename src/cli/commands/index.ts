/**
 * Every command of volt-agent, one module each. A new command is its module plus one line here;
 * `volt-agent --help` lists them in alphabetical order.
 */
export { cancelRun } from './cancel-run.js';
export { deliver } from './deliver.js';
export { demo } from './demo.js';
export { doctor } from './doctor.js';
export { fetchReports } from './fetch-reports.js';
export { init } from './init.js';
export { listRuns } from './list-runs.js';
export { run } from './run.js';
export { schedule } from './schedule.js';
export { service } from './service.js';
export { showRun } from './show-run.js';
export { temporalUi } from './temporal-ui.js';
export { worker } from './worker.js';
