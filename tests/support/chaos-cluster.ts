/**
 * A small cluster of the real service for fault-injection tests: API and
 * worker child processes (`src/main.ts --process=api|worker`) sharing one
 * database and one Redis, each logging to its own file. Every process this
 * module starts is tracked and killed when the cluster stops, and with
 * SIGKILL when the test process exits, so a failing test leaves nothing
 * running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort } from '../../scripts/stack/services.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { key } from './app.js';

export type NodeKind = 'api' | 'worker';

export interface NodeProcess {
  readonly name: string;
  readonly kind: NodeKind;
  /** The API's /graphql URL (APIs only). */
  readonly url: string | null;
  readonly root: string | null;
  readonly logFile: string;
  readonly child: ChildProcess;
  readonly alive: boolean;
  /** Sends a signal and waits (bounded) for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  log(): string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `every` ms until it holds; throws after `timeoutMs`, naming `what`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, every = 100): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await Promise.resolve().then(check).catch(() => false)) return Date.now() - started;
    await sleep(every);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The environment every process of one cluster shares: one database, one queue prefix, one set of keys. */
export function clusterEnv(mongoUri: string, redisUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  const id = randomUUID().slice(0, 8);
  return {
    NODE_ENV: 'test',
    MONGODB_URI: mongoUri,
    REDIS_URL: redisUrl,
    MONGODB_DB: `chaos_${id}`,
    QUEUE_PREFIX: `chaos${id}`,
    HOTLINE_MASTER_KEY: key(),
    HOTLINE_INDEX_KEY: key(),
    HOTLINE_AUDIT_KEY: key(),
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    // Audit events a killed process left unchained are recovered within seconds, not the production 15 minutes.
    OUTBOX_RECONCILE_MS: '2000',
    // The chaos checks wait for every referral to be routed: no partner hold.
    PARTNER_TRIAGE_HOLD_SECONDS: '0',
    // Counted from when the recovery first sees an event pending (src/audit/chainer.ts): a writer on a
    // starved CI machine gets this long for its append before another worker chains the event too.
    AUDIT_RECOVERY_GRACE_MS: '4000',
    ...overrides,
  };
}

export interface Cluster {
  readonly env: Record<string, string>;
  readonly nodes: NodeProcess[];
  apis(): NodeProcess[];
  workers(): NodeProcess[];
  startApi(name?: string): Promise<NodeProcess>;
  startWorker(name?: string): Promise<NodeProcess>;
  /** SIGTERM to every live process, SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** Lines of every process's log matching `re` (e.g. unexpected errors), with the process name. */
  grep(re: RegExp): string[];
}

/** Starts nothing yet: call startApi/startWorker. Logs go to `logDir`. */
export function createCluster(env: Record<string, string>, logDir: string): Cluster {
  const nodes: NodeProcess[] = [];
  let counter = 0;

  function spawnNode(kind: NodeKind, name: string, port: number | null): NodeProcess {
    const logFile = join(logDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', `--process=${kind}`], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, ...(port ? { PORT: String(port) } : {}) },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    live.add(child);
    child.once('exit', () => live.delete(child));
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    const root = port ? `http://127.0.0.1:${port}` : null;
    const node: NodeProcess = {
      name,
      kind,
      url: root ? `${root}/graphql` : null,
      root,
      logFile,
      child,
      get alive() {
        return !exited();
      },
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        if (exited()) return;
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill(signal);
        await Promise.race([gone, sleep(10_000)]);
        if (!exited()) {
          child.kill('SIGKILL');
          await Promise.race([gone, sleep(5_000)]);
        }
      },
      log: () => readFileSync(logFile, 'utf8'),
    };
    nodes.push(node);
    return node;
  }

  /** Waits (bounded) until `check` holds; fails at once, with the log's tail, if the process exits first. */
  async function waitStarted(node: NodeProcess, check: () => Promise<boolean>) {
    let problem: string | null = null;
    await until(async () => !node.alive || (await check()), 60_000, `${node.name} to start`, 200).catch((err: Error) => (problem = err.message));
    if (!problem && !node.alive) problem = `exited with ${node.child.exitCode ?? node.child.signalCode}`;
    if (problem) throw new Error(`${node.name} did not start (${problem}); log tail:\n${node.log().split('\n').slice(-20).join('\n')}`);
  }

  return {
    env,
    nodes,
    apis: () => nodes.filter((n) => n.kind === 'api'),
    workers: () => nodes.filter((n) => n.kind === 'worker'),
    async startApi(name = `api-${++counter}`) {
      const node = spawnNode('api', name, await freePort());
      await waitStarted(node, async () => (await fetch(`${node.root}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200);
      return node;
    },
    async startWorker(name = `worker-${++counter}`) {
      const node = spawnNode('worker', name, null);
      await waitStarted(node, async () => node.log().includes('"msg":"worker started"'));
      return node;
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
    },
    grep(re: RegExp) {
      return nodes.flatMap((n) =>
        n
          .log()
          .split('\n')
          .filter((l) => re.test(l))
          .map((l) => `${n.name}: ${l}`),
      );
    },
  };
}
