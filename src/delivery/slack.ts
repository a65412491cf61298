/**
 * Slack: the digest as one incoming-webhook message (`VOLT_SLACK_WEBHOOK_URL`). 429 and 5xx are
 * retried inside, bounded by `delivery.max_retries`; the webhook URL is the credential and never
 * leaves this process in a record or a message.
 */
import { requestWithRetry } from '../http/request.js';
import { loadDigest } from './digest.js';
import { recordDelivery, type DeliveryInput, type DeliveryRecord } from './record.js';
import { redactorFor } from './secrets.js';
import { requiredUrl, retryPolicy, sleep } from './settings.js';
import { buildSlackMessage } from './slack-message.js';

export async function deliverSlack(input: DeliveryInput, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<DeliveryRecord> {
  return recordDelivery('slack', redactorFor(env), signal, async () => {
    const url = requiredUrl(env, 'VOLT_SLACK_WEBHOOK_URL', 'the Slack incoming webhook to post the digest to');
    const digest = await loadDigest(input.runDir);
    const message = buildSlackMessage(digest);
    const body = JSON.stringify(message);
    const policy = retryPolicy(input.config);
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
    return { blocks: message.blocks.length, characters: body.length, attempts, report: digest.reports.html ?? digest.reports.markdown };
  });
}
