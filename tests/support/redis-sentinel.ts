/**
 * A Redis Sentinel group on this machine for the failover test: a replica of
 * a given primary and three sentinels (Debian's `redis-server`, run as
 * `redis-server sentinel.conf --sentinel` since Debian ships no separate
 * sentinel binary in the redis-server package), on free loopback ports, with
 * short timeouts so that a failover completes in seconds. Every process it
 * starts is killed when the group stops, and with SIGKILL when the test
 * process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ensureRedis } from '../../scripts/stack/binaries.mjs';
import { freePort } from '../../scripts/stack/services.js';
import { until } from './chaos-cluster.js';

/** The sentinels mark the primary down after this long without an answer. */
export const DOWN_AFTER_MS = 1_000;
const FAILOVER_TIMEOUT_MS = 6_000;

export interface SentinelGroup {
  masterName: string;
  replicaPort: number;
  sentinelPorts: number[];
  /** REDIS_SENTINELS for the service: `127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`. */
  sentinelsEnv: string;
  /** The master's port as the sentinels (a majority that answers) see it now; null when none answers. */
  masterPort(): Promise<number | null>;
  /** The replication role a server reports (`master`, `slave`), or null when it does not answer. */
  role(port: number): Promise<string | null>;
  /** `CLIENT LIST` of a server, one line per connection. */
  clients(port: number): Promise<string[]>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function start(bin: string, args: string[], logFile: string): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  const out = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** One command on a short-lived connection that never retries; null when the server does not answer. */
async function ask<T>(port: number, command: (r: Redis) => Promise<T>): Promise<T | null> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000, enableOfflineQueue: false });
  r.on('error', () => {});
  try {
    await r.connect();
    return await command(r);
  } catch {
    return null;
  } finally {
    r.disconnect();
  }
}

/**
 * Starts a replica of the Redis on `primaryPort` and three sentinels
 * watching it (quorum 2), and waits until the replica is in sync and every
 * sentinel knows the replica and the two other sentinels (so a failover can
 * be agreed and has somewhere to go).
 */
export async function startSentinelGroup(dir: string, primaryPort: number, masterName = 'hotline'): Promise<SentinelGroup> {
  const bin = ensureRedis();
  const children: ChildProcess[] = [];
  const replicaPort = await freePort();
  const replicaDir = join(dir, 'redis-replica');
  mkdirSync(replicaDir, { recursive: true });
  children.push(
    start(
      bin,
      ['--port', String(replicaPort), '--bind', '127.0.0.1', '--dir', replicaDir, '--replicaof', '127.0.0.1', String(primaryPort), '--appendonly', 'no', '--save', '', '--daemonize', 'no'],
      join(dir, 'redis-replica.log'),
    ),
  );
  const sentinelPorts: number[] = [];
  for (let i = 1; i <= 3; i++) {
    let port = await freePort();
    while (port === replicaPort || sentinelPorts.includes(port)) port = await freePort();
    sentinelPorts.push(port);
    const sdir = join(dir, `sentinel-${i}`);
    mkdirSync(sdir, { recursive: true });
    // The sentinel rewrites this file as it learns the group (it must be writable).
    const conf = join(sdir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'daemonize no',
        `dir ${sdir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${masterName} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${masterName} ${FAILOVER_TIMEOUT_MS}`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    children.push(start(bin, [conf, '--sentinel'], join(dir, `sentinel-${i}.log`)));
  }

  const group: SentinelGroup = {
    masterName,
    replicaPort,
    sentinelPorts,
    sentinelsEnv: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    async masterPort() {
      const seen = await Promise.all(sentinelPorts.map((p) => ask(p, (r) => r.call('SENTINEL', 'get-master-addr-by-name', masterName) as Promise<[string, string] | null>)));
      const ports = seen.flatMap((s) => (s ? [Number(s[1])] : []));
      const agreed = ports.find((port) => ports.filter((p) => p === port).length >= 2);
      return agreed ?? null;
    },
    role: (port) => ask(port, async (r) => ((await r.call('ROLE')) as [string, ...unknown[]])[0]),
    clients: async (port) => ((await ask(port, (r) => r.call('CLIENT', 'LIST') as Promise<string>)) ?? '').split('\n').filter(Boolean),
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              const t = setTimeout(() => (c.kill('SIGKILL'), resolve()), 5_000);
              c.once('exit', () => (clearTimeout(t), resolve()));
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };

  try {
    await until(async () => (await ask(replicaPort, (r) => r.info('replication')))?.includes('master_link_status:up') ?? false, 30_000, 'the replica to sync with the primary', 100);
    await until(
      async () => {
        const views = await Promise.all(
          sentinelPorts.map((p) =>
            ask(p, async (r) => ({
              replicas: (await r.call('SENTINEL', 'replicas', masterName)) as unknown[],
              sentinels: (await r.call('SENTINEL', 'sentinels', masterName)) as unknown[],
            })),
          ),
        );
        return views.every((v) => v !== null && v.replicas.length === 1 && v.sentinels.length === 2);
      },
      60_000,
      'every sentinel to know the replica and the two other sentinels',
      250,
    );
  } catch (err) {
    await group.stop();
    throw err;
  }
  return group;
}
