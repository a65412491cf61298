/**
 * A scheduled run that failed, announced where its digest would have gone: the second kind of
 * message every channel renders (`renderFailure`, next to `renderDigest`) and sends with its own
 * `send`. Each names the schedule, the period, the stage and the error, and how to look closer
 * (`volt-agent show-run`, the Temporal UI). These builders are shared by the channels.
 */
import type { FailureNotice } from './channel.js';
import { escapeMrkdwn, type SlackMessage } from './slack-message.js';

export type { FailureNotice } from './channel.js';

export function showRunCommand(notice: FailureNotice): string {
  return `volt-agent show-run --run-id ${notice.run_id} --output-dir ${notice.output_dir}`;
}

function where(notice: FailureNotice): string {
  if (!notice.stage) return 'before the run started';
  return notice.activity ? `${notice.stage} stage, ${notice.activity}` : `${notice.stage} stage`;
}

export function failureSubject(notice: FailureNotice): string {
  return `FAILED: volt-agent ${notice.schedule_id} for ${notice.period.start_date} – ${notice.period.end_date}`;
}

export function failureText(notice: FailureNotice): string {
  return [
    `The scheduled run ${notice.run_id} of ${notice.schedule_id} FAILED; no digest was sent for ${notice.period.start_date} – ${notice.period.end_date}.`,
    '',
    `Where: ${where(notice)}`,
    `Error: ${notice.error}`,
    '',
    `Details: ${showRunCommand(notice)}`,
    `Temporal UI: ${notice.ui_url}`,
    `Run it again: volt-agent schedule trigger --id ${notice.schedule_id} (or schedule backfill for this slot)`,
  ].join('\n');
}

/** Slack's limit for a section's text is 3000 characters. */
const clip = (text: string, max = 2900) => (text.length > max ? `${text.slice(0, max)}…` : text);

export function failureSlackMessage(notice: FailureNotice): SlackMessage {
  return {
    text: escapeMrkdwn(`:x: Scheduled report ${notice.schedule_id} FAILED: ${notice.period.start_date} – ${notice.period.end_date}, ${where(notice)}: ${clip(notice.error, 300)}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Scheduled report ${notice.schedule_id} FAILED`.slice(0, 150), emoji: true } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Schedule*\n${escapeMrkdwn(notice.schedule_id)}` },
          { type: 'mrkdwn', text: `*Period*\n${notice.period.start_date} – ${notice.period.end_date}` },
          { type: 'mrkdwn', text: `*Stage*\n${escapeMrkdwn(where(notice))}` },
          { type: 'mrkdwn', text: `*Run*\n${escapeMrkdwn(notice.run_id)}` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: clip(`*Error*\n\`\`\`${escapeMrkdwn(notice.error)}\`\`\``) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(`\`${escapeMrkdwn(showRunCommand(notice))}\` · <${notice.ui_url}|Temporal UI>`) }] },
    ],
  };
}
