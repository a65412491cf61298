/**
 * Fibery: the team report published as an entity of `delivery.fibery.type`, its markdown in the
 * rich-text field `delivery.fibery.field` (src/delivery/fibery.ts makes the three requests).
 */
import { defineChannel } from '../channel.js';
import type { FiberyDocument, FiberyTarget } from '../fibery.js';

export const fibery = defineChannel({
  name: 'fibery',
  summary: 'the team report as a new entity of a Fibery type, in its rich-text field',
  needs: 'FIBERY_API_TOKEN, FIBERY_WORKSPACE, delivery.fibery.type and .field in config.yaml',
  secrets: ['FIBERY_API_TOKEN'],
  async settings(env, config): Promise<FiberyTarget> {
    const { fiberyTarget } = await import('../fibery.js');
    return fiberyTarget(env, config);
  },
  async renderDigest(run): Promise<FiberyDocument> {
    const [{ readTeamReport, filesOfRun }, { fiberyRates }] = await Promise.all([import('../run-digest.js'), import('../fibery.js')]);
    const { start_date, end_date } = run.digest.period;
    const report = await readTeamReport(run, 'markdown');
    return { name: `Team report ${start_date === end_date ? start_date : `${start_date} – ${end_date}`}`, markdown: report.content, rates: await fiberyRates(filesOfRun(run)) };
  },
  /** A new entity of the same type, named as the failure, its field holding what went wrong. */
  async renderFailure(notice): Promise<FiberyDocument> {
    const [{ failureSubject, failureText }, { fiberyRates }] = await Promise.all([import('../failure-notice.js'), import('../fibery.js')]);
    return { name: failureSubject(notice), markdown: failureText(notice).replace(/\n/g, '\n\n'), rates: notice.files ? await fiberyRates(notice.files) : {} };
  },
  async send(target, document, { policy, signal }) {
    const { publish } = await import('../fibery.js');
    return publish(target, document, policy, signal);
  },
});
