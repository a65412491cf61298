/**
 * How many report requests one LLM server gets at once (`llm.max_concurrent`). A local server
 * (llama.cpp, Ollama, LM Studio) answers one request at a time by default and queues the rest:
 * a request waiting in its queue runs out its timeout without having started. Waiting here
 * instead, before the request is sent, keeps the timeout for the server's own work, and a report's
 * deadline starts when it gets its slot.
 *
 * The slots are per worker process and per server (base URL): two workers on one local server
 * each keep their own count, so give such a server as many slots as the workers together use.
 */

/** True for localhost, 127.0.0.0/8, ::1 and 0.0.0.0. */
export function isLoopback(url: string | undefined): boolean {
  if (!url) return false;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '0.0.0.0';
}

/** `llm.max_concurrent` when unset: 1 for a server on this machine, no limit for a hosted API. */
export function defaultMaxConcurrent(baseUrl: string | undefined): number | null {
  return isLoopback(baseUrl) ? 1 : null;
}

/** A counting semaphore whose waiters are served in order. */
export class Slots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Resolves with the release function once a slot is free; rejects when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    };
    if (this.busy < this.limit) {
      this.busy++;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}

const registry = new Map<string, Slots>();

/** The slots of one server in this process (null: no limit). A changed limit starts a new count. */
export function slotsFor(server: string, limit: number | null): Slots | null {
  if (limit === null) return null;
  const key = `${server}\u0000${limit}`;
  let slots = registry.get(key);
  if (!slots) registry.set(key, (slots = new Slots(limit)));
  return slots;
}
