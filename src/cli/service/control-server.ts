/**
 * The background service's control endpoint on loopback: how the other commands ask it for its
 * status, a sandbox, a sandbox queue back after a restart, to stay up while they use it, or to
 * stop. Every request carries the bearer token from the private service.json; anything else is
 * refused.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxAnswer } from './sandbox-pool.js';

export interface StatusAnswer {
  pid: number;
  running_workflows: number | null;
  idle_for_seconds: number;
  sandboxes: SandboxAnswer[];
  /** The schedules that keep the service up, as of its last check (null: not known yet). */
  schedules: string[] | null;
}

/** What the control endpoint does; it only parses and checks the requests. */
export interface ControlHandlers {
  status(idleForMs: number): Promise<StatusAnswer>;
  sandbox(datasetPath: string, fiberyLatencyMs: number): Promise<SandboxAnswer>;
  /** null: the queue is not a sandbox's this state directory knows. */
  sandboxQueue(taskQueue: string): Promise<SandboxAnswer | null | 'unknown-sandbox'>;
  stop(): void;
  /** Any request counts as use: the service is not idle while commands talk to it. Returns the idle time before it. */
  touch(): number;
}

export interface ControlServer {
  url: string;
  close(): void;
}

type Reply = { status: number; body: unknown };
const reply = (status: number, body: unknown): Reply => ({ status, body });

async function route(method: string | undefined, url: string | undefined, body: string, handlers: ControlHandlers, idleForMs: number): Promise<Reply> {
  if (method === 'GET' && url === '/status') return reply(200, await handlers.status(idleForMs));
  if (method === 'POST' && url === '/sandbox') {
    const request = JSON.parse(body || '{}') as { dataset_path?: unknown; fibery_latency_ms?: unknown };
    const latency = request.fibery_latency_ms ?? 0;
    if (typeof request.dataset_path !== 'string' || request.dataset_path === '') return reply(400, { error: 'dataset_path is required' });
    if (typeof latency !== 'number' || !Number.isInteger(latency) || latency < 0) return reply(400, { error: 'fibery_latency_ms must be a whole number ≥ 0' });
    const answer = await handlers.sandbox(request.dataset_path, latency);
    handlers.touch();
    return reply(200, answer);
  }
  if (method === 'POST' && url === '/sandbox-queue') {
    const request = JSON.parse(body || '{}') as { task_queue?: unknown };
    if (typeof request.task_queue !== 'string' || request.task_queue === '') return reply(400, { error: 'task_queue is required' });
    const restored = await handlers.sandboxQueue(request.task_queue);
    if (restored === 'unknown-sandbox') return reply(404, { error: `no sandbox is known for ${request.task_queue} in this state directory` });
    handlers.touch();
    return reply(200, { task_queue: request.task_queue, sandbox: restored });
  }
  // A command that uses the service holds it (client.ts, holdService): the touch is the point.
  if (method === 'POST' && url === '/hold') return reply(200, { held: true });
  if (method === 'POST' && url === '/stop') return reply(202, { stopping: true });
  return reply(404, { error: 'not found' });
}

export async function startControlServer(token: string, handlers: ControlHandlers): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    const send = ({ status, body }: Reply) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      if (req.headers.authorization !== `Bearer ${token}`) return send(reply(401, { error: 'unauthorized' }));
      const idleForMs = handlers.touch();
      let body = '';
      for await (const chunk of req) body += String(chunk);
      try {
        const answer = await route(req.method, req.url, body, handlers, idleForMs);
        send(answer);
        if (answer.status === 202) handlers.stop();
      } catch (error) {
        send(reply(500, { error: (error as Error).message }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
