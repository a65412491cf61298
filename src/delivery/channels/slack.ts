/**
 * Slack: the digest as one incoming-webhook message in Block Kit (`VOLT_SLACK_WEBHOOK_URL`). 429
 * and 5xx are retried, bounded by `delivery.max_retries`; the webhook URL is the credential and
 * never leaves this process in a record or a message.
 */
import { defineChannel } from '../channel.js';
import type { SlackMessage } from '../slack-message.js';

export const slack = defineChannel({
  name: 'slack',
  summary: 'one Block Kit message to a Slack incoming webhook',
  needs: 'VOLT_SLACK_WEBHOOK_URL',
  secrets: ['VOLT_SLACK_WEBHOOK_URL'],
  async settings(env): Promise<{ url: URL }> {
    const { requiredUrl } = await import('../settings.js');
    return { url: requiredUrl(env, 'VOLT_SLACK_WEBHOOK_URL', 'the Slack incoming webhook to post the digest to') };
  },
  async renderDigest(run): Promise<{ body: SlackMessage; report: string }> {
    const { buildSlackMessage } = await import('../slack-message.js');
    return { body: buildSlackMessage(run), report: run.reports.html ?? run.reports.markdown };
  },
  async renderFailure(notice): Promise<{ body: SlackMessage; report: string }> {
    const { failureSlackMessage, showRunCommand } = await import('../failure-notice.js');
    return { body: failureSlackMessage(notice), report: showRunCommand(notice) };
  },
  async send({ url }, message, { policy, signal }) {
    // Loaded when used: --help lists the channels and must not load the HTTP client and its metrics.
    const [{ sleep }, { requestWithRetry }] = await Promise.all([import('../settings.js'), import('../../http/request.js')]);
    const body = JSON.stringify(message.body);
    let attempts = 0;
    await requestWithRetry({
      api: 'Slack',
      url: url.href,
      init: { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body, ...(signal ? { signal } : {}) },
      maxRetries: policy.maxRetries,
      baseDelayMs: policy.baseDelayMs,
      timeoutMs: policy.timeoutMs,
      sleep: (ms) => sleep(ms, signal),
      onAttempt: (n) => (attempts = n),
    });
    return { blocks: message.body.blocks.length, characters: body.length, attempts, report: message.report };
  },
});
