/**
 * Fault injection shared by the simulators: rules queued before or during a run, each taken by
 * the next `count` requests it matches. The kinds every API can suffer live here; each simulator
 * adds its own (Toggl's two 402s, Fibery's GraphQL errors) and decides what a status fault's body
 * looks like.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Reply } from './http.js';

export type CommonFault =
  /** Any status; `body` replaces the API's usual error body. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: string }
  /** HTTP 200 whose JSON body is cut mid-way (the framing is consistent: only the JSON is broken). */
  | { kind: 'truncated' }
  /** HTTP 200 with an HTML proxy page instead of JSON. */
  | { kind: 'non-json' }
  /** The request is never answered: it stays open until the client gives up. */
  | { kind: 'hang' }
  /** The answer comes, `ms` late. */
  | { kind: 'delay'; ms: number }
  /** The connection is dropped without an answer. */
  | { kind: 'reset' };

export interface FaultScope {
  /** How many matching requests take the fault (default 1). */
  count?: number;
  /** Only requests from this sequence number on (1 = the server's first request; see the request log). */
  fromRequest?: number;
  /** Only requests whose path starts with this, e.g. "/reports/". */
  pathPrefix?: string;
}

export type FaultRule<F> = F & FaultScope;

/** Pending rules, in order: a request takes the first rule that matches it. */
export class FaultQueue<F extends { kind: string }, R extends FaultRule<F> = FaultRule<F>> {
  private rules: R[] = [];

  constructor(initial: readonly R[] = []) {
    this.set(initial);
  }

  push(...rules: R[]): void {
    for (const r of rules) this.rules.push({ ...r, count: r.count ?? 1 });
  }

  /** Replaces every pending rule. */
  set(rules: readonly R[]): void {
    this.rules = [];
    this.push(...rules);
  }

  clear(): void {
    this.rules = [];
  }

  /** Rules not used up yet, with their remaining counts. */
  pending(): R[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The fault request `seq` to `path` takes (its rule's count goes down), or undefined. */
  take(seq: number, path: string, matches: (rule: R) => boolean = () => true): F | undefined {
    const i = this.rules.findIndex(
      (r) => (r.fromRequest === undefined || seq >= r.fromRequest) && (r.pathPrefix === undefined || path.startsWith(r.pathPrefix)) && matches(r),
    );
    if (i < 0) return undefined;
    const rule = this.rules[i]!;
    rule.count = (rule.count ?? 1) - 1;
    if (rule.count <= 0) this.rules.splice(i, 1);
    return rule;
  }
}

/** A short name for the request log: `status 503`, `truncated`, `delay 200ms`. */
export function describeFault(f: { kind: string; status?: number; ms?: number }): string {
  if (f.kind === 'status') return `status ${f.status}`;
  if (f.kind === 'delay') return `delay ${f.ms}ms`;
  return f.kind;
}

export const reasonPhrase = (status: number): string => STATUS_CODES[status] ?? 'Error';

export const retryAfterHeader = (seconds: number | undefined): Record<string, string> =>
  seconds === undefined ? {} : { 'Retry-After': String(seconds) };

/** The same answer with HTTP 200 and its body cut in half, so a JSON parser fails on it. */
export function truncateReply(reply: Reply): Reply {
  const cut = reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2)));
  return { ...reply, status: 200, body: cut === reply.body ? '' : cut };
}

/** What a misconfigured proxy answers with HTTP 200. */
export function nonJsonReply(): Reply {
  return {
    status: 200,
    contentType: 'text/html; charset=utf-8',
    headers: {},
    body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n',
  };
}

/** A body fault reshapes the answer the request would have had; other kinds leave it alone. */
export function reshape(reply: Reply, fault: { kind: string } | undefined): Reply {
  if (fault?.kind === 'truncated') return truncateReply(reply);
  if (fault?.kind === 'non-json') return nonJsonReply();
  return reply;
}

/** Resolves when the client gives up on the request (or the server shuts down). */
export function hang(res: ServerResponse): Promise<void> {
  if (res.destroyed || res.socket?.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}

/** Drops the connection without an answer. */
export function reset(res: ServerResponse): void {
  res.socket?.destroy();
}
