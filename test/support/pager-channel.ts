/**
 * A throwaway fourth delivery channel for test/delivery-new-channel.test.ts, written the way a real
 * one is: the test copies it to src/delivery/channels/pager.ts of a copy of the sources (its import
 * rewritten to '../channel.js') and adds one registry line. It posts the digest's totals as JSON
 * to `PAGER_URL` with `PAGER_TOKEN`, and (to prove the redaction) names its token in its errors and
 * its detail.
 */
import { defineChannel, MissingSetting } from '../../src/delivery/channel.js';

export const pager = defineChannel({
  name: 'pager',
  summary: 'a test pager: the digest totals as one JSON POST',
  needs: 'PAGER_URL, PAGER_TOKEN',
  secrets: ['PAGER_TOKEN'],
  async settings(env): Promise<{ url: string; token: string }> {
    const url = env.PAGER_URL?.trim();
    const token = env.PAGER_TOKEN?.trim();
    if (!url) throw new MissingSetting('PAGER_URL is not set: where the pager posts the digest');
    if (!token) throw new MissingSetting('PAGER_TOKEN is not set: the token the pager posts with');
    return { url, token };
  },
  async renderDigest(run): Promise<{ run: string; period: { start_date: string; end_date: string }; tracked_seconds: number; risks: number }> {
    return { run: run.run.id, period: run.digest.period, tracked_seconds: run.digest.totals.seconds, risks: run.digest.risks.length };
  },
  async renderFailure(notice): Promise<{ run: string; period: { start_date: string; end_date: string }; tracked_seconds: number; risks: number }> {
    return { run: notice.run_id, period: notice.period, tracked_seconds: 0, risks: 0 };
  },
  async send({ url, token }, message, { signal }) {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(message), ...(signal ? { signal } : {}) });
    if (!res.ok) throw new Error(`the pager answered ${res.status} to Bearer ${token}`);
    return { status: res.status, sent_with: `Bearer ${token}` };
  },
});
