/**
 * Entry point: the HTTP API and the queue worker in one process by default
 * (and the partner face when PARTNER_PORT is set), or each alone
 * (`--process=api|worker|partner` or HOTLINE_PROCESS), so several of each can
 * share one MongoDB and Redis and the partner face can run apart, facing the
 * internet. SIGTERM/SIGINT drain and exit.
 */
import { ConfigError, loadConfig } from './config.js';
import { createDeps } from './deps.js';
import { startApi, startPartnerFace, type ApiServer } from './http/server.js';
import { createLogger } from './logger.js';
import { MigrationRefusal } from './migrations/index.js';
import { startMetricsListener, type MetricsListener } from './metrics/listener.js';
import { startWorker, type Worker } from './worker.js';

async function main() {
  const flag = process.argv.find((a) => a.startsWith('--process='))?.split('=')[1];
  let config;
  try {
    config = loadConfig(flag ? { ...process.env, HOTLINE_PROCESS: flag } : process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  for (const w of config.warnings) log.warn(w);
  let deps;
  try {
    deps = await createDeps(config, log);
  } catch (err) {
    // A store this code must not serve as it is (migrated by a newer version, or migrations pending in production): exit 78, the operator's move.
    if (err instanceof MigrationRefusal) {
      log.fatal({ err: err.message }, 'cannot start: the store is not at this code\'s version');
      process.exit(78);
    }
    log.fatal({ err: (err as Error).message }, 'cannot start: a backing service is unreachable');
    process.exit(69);
  }
  let api: ApiServer | undefined;
  let partnerFace: ApiServer | undefined;
  let worker: Worker | undefined;
  let metrics: MetricsListener | undefined;
  let started: Promise<void> = Promise.resolve();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    // A signal during start-up drains what has started once the rest is up (the API answers /readyz before the worker is).
    await started.catch(() => undefined);
    await api?.close();
    await partnerFace?.close();
    await worker?.close();
    await metrics?.close();
    await deps.close();
    log.info('bye');
    process.exit(0);
  };
  // Before anything starts: a SIGTERM that came while the worker was still starting killed the process undrained.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  started = (async () => {
    if (config.process === 'all' || config.process === 'api') api = await startApi(deps);
    if (config.process === 'partner' || (config.process === 'all' && config.partner.port !== null)) partnerFace = await startPartnerFace(deps);
    if (config.process === 'all' || config.process === 'worker') worker = await startWorker(deps);
    // Its own port (METRICS_PORT), for an API and a worker-only process alike; the partner process exports none.
    if (config.process !== 'partner' && config.metrics.port !== null) metrics = await startMetricsListener(deps.metrics, { ...config.metrics, port: config.metrics.port }, log);
  })();
  await started;
  log.info({ process: config.process }, 'hotline service started');
}

void main();
