/** The worker's metrics address, checked where it is given (a flag, VOLT_METRICS_ADDRESS). */

/** `HOST:PORT` (`[::1]:9464` for IPv6) → its parts; null when it is not that. */
export function parseMetricsAddress(address: string): { host: string; port: number } | null {
  const match = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(address.trim());
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}
