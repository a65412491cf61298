/**
 * E-mail: the digest to `VOLT_MAIL_TO` (comma-separated) from `VOLT_MAIL_FROM` over
 * `VOLT_SMTP_URL`: a plain-text and a short HTML part, the team report attached (src/delivery/smtp.ts
 * sends it).
 */
import { defineChannel } from '../channel.js';
import type { EmailMessage } from '../email-message.js';
import type { MailSettings } from '../smtp.js';

export const email = defineChannel({
  name: 'email',
  summary: 'a short HTML and plain-text mail with the team report attached',
  needs: 'VOLT_SMTP_URL (smtp://user:pass@host:587), VOLT_MAIL_FROM, VOLT_MAIL_TO (comma-separated)',
  secrets: ['VOLT_SMTP_URL'],
  async settings(env): Promise<MailSettings> {
    const { mailSettings } = await import('../smtp.js');
    return mailSettings(env);
  },
  async renderDigest(run): Promise<EmailMessage> {
    const [{ buildEmail }, { readTeamReport }] = await Promise.all([import('../email-message.js'), import('../run-digest.js')]);
    return buildEmail(run, await readTeamReport(run, 'html'));
  },
  async renderFailure(notice): Promise<EmailMessage> {
    const [{ failureSubject, failureText }, { escapeHtml }] = await Promise.all([import('../failure-notice.js'), import('../email-message.js')]);
    const text = failureText(notice);
    return {
      subject: failureSubject(notice),
      text,
      html: `<pre style="font-family:monospace;white-space:pre-wrap">${escapeHtml(text)}</pre>`,
      attachment: { filename: `${notice.run_id}-failure.txt`, content: text, contentType: 'text/plain; charset=utf-8' },
    };
  },
  async send(settings, message, { policy, signal }) {
    const { sendWithRetry } = await import('../smtp.js');
    const { messageId, attempts } = await sendWithRetry(settings, message, policy, signal);
    return { to: settings.to.join(', '), subject: message.subject, attachment: message.attachment.filename, message_id: messageId, attempts };
  },
});
