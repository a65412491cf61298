import net from 'node:net';

/** Binds a listener on `host:0`, lets the OS pick a port, and keeps it open until released. */
function reservePort(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => resolve(server));
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Returns `count` distinct TCP ports that were free on `host` a moment ago.
 * All ports are held open until every one has been picked, so they never repeat.
 * (Another process may still grab one before it is used; callers retry on "address in use".)
 */
export async function getFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await reservePort(host));
    return servers.map((s) => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') throw new Error(`Could not read the port bound on ${host}`);
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

/** One free TCP port on `host` (default 127.0.0.1). */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await getFreePorts(1, host);
  if (port === undefined) throw new Error('No free port found');
  return port;
}

/** True if nothing listens on `host:port` right now (checked by binding it briefly). */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
