/**
 * The separate metrics listener (METRICS_PORT on METRICS_HOST, loopback by
 * default): `/metrics` and nothing else, for the API process and for a
 * worker-only process alike, each exposing its own registry. When
 * METRICS_TOKEN is also set, this listener requires it too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { bearerMatches, METRICS_PATH } from './http.js';
import type { Metrics } from './types.js';

export interface MetricsListener {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts the listener; resolves once it is bound. */
export async function startMetricsListener(metrics: Metrics, opts: { host: string; port: number; token: string | null }, log: Logger): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const ok = path === METRICS_PATH && (req.method === 'GET' || req.method === 'HEAD') && (!opts.token || bearerMatches(req.headers.authorization, opts.token));
    if (!ok) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    metrics.render().then(
      (body) => res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      (err: Error) => {
        log.warn({ err: err.name }, 'metrics: exposition failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics unavailable\n');
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host: opts.host, port }, 'metrics listening');
  return {
    port,
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}${METRICS_PATH}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
