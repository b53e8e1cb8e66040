/**
 * The local services launcher: FerretDB (MongoDB wire protocol on SQLite) and
 * Redis, on chosen ports with data in a chosen directory, on 127.0.0.1 only.
 * `npm start` uses it with persistent data under .data/; the tests and the
 * benchmarks use it with throwaway directories and free ports, and the fault
 * tests use kill()/start() to break things on purpose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, createWriteStream } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { ensureBinaries } from './binaries.mjs';
import { keepIdIndexes } from './ferretdb-id-index.js';

export interface ManagedProcess {
  readonly name: string;
  readonly port: number;
  /** Starts the process (again) on the same port and data, and waits until it answers. */
  start(): Promise<void>;
  /** Stops it cleanly (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Sends a signal without waiting for a clean shutdown (fault injection). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly running: boolean;
}

export interface Services {
  mongoUri: string;
  redisUrl: string;
  mongo: ManagedProcess;
  redis: ManagedProcess;
  /** Gives FerretDB's collections the `_id` index its lookups can use, now (the launcher also does it every second). */
  indexIdLookups(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  mongoPort?: number;
  redisPort?: number;
  /** Redis append-only file: on for the local stack, off for throwaway test data. */
  appendOnly?: boolean;
}

/** Whether a TCP port on the loopback interface can be listened on now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free TCP port on the loopback interface, below Linux's ephemeral range
 * (32768–60999): a port the kernel hands out (listen on 0) can be given to
 * an outgoing connection between our check and the service's bind, which
 * once made Redis fail to start in the fault test.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found in 20000-31999');
}

/** One request/response over raw TCP, so readiness needs no client library. */
function probe(port: number, payload: Buffer, expect: (data: Buffer) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write(payload));
    sock.on('data', (d) => done(expect(d)));
  });
}

/** A legacy OP_QUERY isMaster, the one message every MongoDB-wire server answers. */
function isMasterMessage(): Buffer {
  const bson = Buffer.from([0x13, 0, 0, 0, 0x10, ...Buffer.from('isMaster\0'), 1, 0, 0, 0, 0]);
  const ns = Buffer.from('admin.$cmd\0');
  const body = Buffer.concat([Buffer.alloc(4), ns, Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), bson]);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(1, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2004, 12);
  return Buffer.concat([header, body]);
}

async function waitUntil(check: () => Promise<boolean>, what: string, child: () => ChildProcess | null, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
    const c = child();
    if (!c || c.exitCode !== null || c.signalCode !== null) throw new Error(`${what} exited during start-up`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new Error(`${what} did not answer within ${timeoutMs} ms`);
}

function managed(name: string, port: number, logFile: string, cmd: () => [string, string[], NodeJS.ProcessEnv], ready: () => Promise<boolean>): ManagedProcess {
  let child: ChildProcess | null = null;
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null;
  const waitExit = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (exited()) return resolve(true);
      const t = setTimeout(() => resolve(false), ms);
      child!.once('exit', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  const proc: ManagedProcess = {
    name,
    port,
    get running() {
      return !exited();
    },
    async start() {
      if (!exited()) return;
      const [bin, args, env] = cmd();
      const out = createWriteStream(logFile, { flags: 'a' });
      child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.pipe(out);
      child.stderr?.pipe(out);
      liveChildren.add(child);
      child.once('exit', () => liveChildren.delete(child!));
      await waitUntil(ready, `${name} (port ${port}, log ${logFile})`, () => child);
    },
    async stop() {
      if (exited()) return;
      child!.kill('SIGTERM');
      if (!(await waitExit(10_000))) {
        child!.kill('SIGKILL');
        await waitExit(5_000);
      }
    },
    async kill(signal = 'SIGKILL') {
      if (exited()) return;
      child!.kill(signal);
      await waitExit(5_000);
    },
  };
  return proc;
}

const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of liveChildren) c.kill('SIGKILL');
});

/** Starts FerretDB and Redis and waits until both answer. */
export async function startServices(opts: StartOptions): Promise<Services> {
  const bins = ensureBinaries();
  const mongoPort = opts.mongoPort ?? (await freePort());
  const redisPort = opts.redisPort ?? (await freePort());
  const ferretDir = join(opts.dataDir, 'ferretdb');
  const redisDir = join(opts.dataDir, 'redis');
  mkdirSync(ferretDir, { recursive: true });
  mkdirSync(redisDir, { recursive: true });

  const mongo = managed(
    'ferretdb',
    mongoPort,
    join(opts.dataDir, 'ferretdb.log'),
    () => [
      bins.ferretdb,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${ferretDir}/`,
        `--state-dir=${ferretDir}`,
        `--listen-addr=127.0.0.1:${mongoPort}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=error',
        '--log-format=json',
      ],
      { PATH: process.env.PATH, HOME: process.env.HOME, DO_NOT_TRACK: '1', FERRETDB_TELEMETRY: 'disable' },
    ],
    () => probe(mongoPort, isMasterMessage(), (d) => d.length > 16),
  );
  const redis = managed(
    'redis',
    redisPort,
    join(opts.dataDir, 'redis.log'),
    () => [
      bins.redisServer,
      [
        '--port', String(redisPort),
        '--bind', '127.0.0.1',
        '--protected-mode', 'yes',
        '--dir', redisDir,
        '--appendonly', opts.appendOnly === false ? 'no' : 'yes',
        '--save', '',
        '--daemonize', 'no',
      ],
      { PATH: process.env.PATH },
    ],
    () => probe(redisPort, Buffer.from('PING\r\n'), (d) => d.toString().startsWith('+PONG')),
  );

  try {
    await Promise.all([mongo.start(), redis.start()]);
  } catch (err) {
    // One started and the other did not: stop the one, or it outlives its caller.
    await Promise.allSettled([mongo.stop(), redis.stop()]);
    throw err;
  }
  const idIndexes = bins.sqlite3 ? keepIdIndexes(bins.sqlite3, ferretDir) : null;
  return {
    mongoUri: `mongodb://127.0.0.1:${mongoPort}/`,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    mongo,
    redis,
    indexIdLookups: async () => (idIndexes ? idIndexes.now() : 0),
    async stop() {
      idIndexes?.stop();
      await Promise.all([mongo.stop(), redis.stop()]);
    },
  };
}
