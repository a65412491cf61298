/**
 * What a simulator was asked, in order: one entry per request with its arrival on a monotonic
 * clock, so tests and the bench can check pacing ("never more than N requests in any one-second
 * window") and waste ("no page fetched twice"). A token is kept only as a short hash.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface RequestLogEntry {
  /** 1 for the server's first request; never reset. */
  seq: number;
  /** Arrival in ms since the server started, on a monotonic clock. */
  at: number;
  /** Arrival as epoch ms (for reading; the wall clock may jump). */
  time: number;
  method: string;
  path: string;
  /** First 12 hex digits of the SHA-256 of the credential presented; null without one. */
  tokenHash: string | null;
  /** The status answered; 0 while pending, or when no answer was sent (a hang, a reset, the client left). */
  status: number;
  /** From arrival to the end of the answer; null while pending or never answered. */
  durationMs: number | null;
  /** The injected fault this request took (`status 503`, `truncated`, `hang`...), if any. */
  fault: string | null;
  /** The limit that refused it, if any. */
  limited: 'quota' | 'rate-limit' | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

/** The log of one server; `X` is what that API adds to every entry. */
export class RequestLog<X extends object> {
  private readonly origin = performance.now();
  private list: (RequestLogEntry & X)[] = [];
  private seq = 0;

  /** Records an arrival; the caller fills in the rest of the entry as the request proceeds. */
  begin(method: string, path: string, extra: X): RequestLogEntry & X {
    const entry = {
      seq: ++this.seq,
      at: performance.now() - this.origin,
      time: Date.now(),
      method,
      path,
      tokenHash: null,
      status: 0,
      durationMs: null,
      fault: null,
      limited: null,
      ...extra,
    };
    this.list.push(entry);
    return entry;
  }

  /** Marks the entry answered (status 0: it never was). */
  finish(entry: RequestLogEntry, status: number): void {
    entry.status = status;
    entry.durationMs = status === 0 ? null : performance.now() - this.origin - entry.at;
  }

  /** A copy of the entries so far, oldest first. */
  entries(): (RequestLogEntry & X)[] {
    return this.list.map((e) => ({ ...e }));
  }

  /** Forgets the entries (sequence numbers go on). */
  clear(): void {
    this.list = [];
  }

  /** Requests received since the server started. */
  get received(): number {
    return this.seq;
  }
}

/** The most entries whose arrivals fall within one window of `windowMs` (sliding over every arrival). */
export function maxInWindow(entries: readonly { at: number }[], windowMs = 1000): number {
  const times = entries.map((e) => e.at).sort((a, b) => a - b);
  let most = 0;
  let from = 0;
  for (let to = 0; to < times.length; to++) {
    while (times[to]! - times[from]! >= windowMs) from++;
    most = Math.max(most, to - from + 1);
  }
  return most;
}
