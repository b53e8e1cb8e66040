/** Bench plumbing: the service's child processes, users, sign-in, GraphQL calls, percentiles. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { Desk, Role } from '../../src/auth/types.js';
import { loadConfig, PROJECT_ROOT } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { createUserWithRoles } from '../../tests/support/factories.js';
import type { LoggedCommand } from './phase-trace.js';
import { STORE_COUNTS_REPLY, STORE_COUNTS_REQUEST, type StoreCounts, type StoreCountsReply } from './store-counts.js';
import { TRACE_LOG_REPLY, TRACE_LOG_REQUEST, type TraceLogReply } from './trace-store.js';

export const BENCH_PASSWORD = 'benchmark password 2026';
const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 20_000;
/** A busy child still turns its event loop within this; past it the figures are left out, not waited for. */
const COUNTS_TIMEOUT_MS = 10_000;

export interface Child {
  name: string;
  process: ChildProcess;
  /** The last 20 kB of its output, for error messages. */
  output(): string;
  /** POST /graphql requests it has answered so far (from its request log lines). */
  answered(): number;
  /** The store commands it has sent so far, by command and collection (store-counts.ts); null if not counted. */
  storeCounts(): Promise<StoreCounts | null>;
  /**
   * With `traceFile`: `start` opens the log of every store command with its start and end (trace-store.ts), `stop`
   * closes it and returns it; null without a trace or when the child cannot answer in time.
   */
  traceLog(action: 'start' | 'stop'): Promise<{ log: LoggedCommand[]; dropped: number } | null>;
  stop(): Promise<void>;
}

export interface ChildOptions {
  env: Record<string, string>;
  /** The API's port: it is ready once /readyz answers 200. */
  port?: number;
  /** Write a V8 CPU profile of the whole run into this directory (written at exit). */
  profileDir?: string;
  /** Write the store commands it sent, by shape, to this file at exit (scripts/bench/trace-store.ts). */
  traceFile?: string;
}

/**
 * Starts `src/main.ts --process=<kind>` as deployed, and waits until it serves (api) or has started (worker).
 * Always with store-counts.ts preloaded and an IPC channel to ask it, so every run can print round trips per report.
 */
export async function startProcess(kind: 'api' | 'worker' | 'partner', opts: ChildOptions): Promise<Child> {
  const profile = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`, `--cpu-prof-name=${kind}.${Date.now()}.cpuprofile`] : [];
  const trace = opts.traceFile ? ['--import', './scripts/bench/trace-store.ts'] : [];
  const counts = ['--import', './scripts/bench/store-counts.ts'];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', ...counts, ...trace, 'src/main.ts', `--process=${kind}`], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...opts.env, ...(opts.traceFile ? { BENCH_TRACE_FILE: opts.traceFile } : {}) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const askCounts = countsRequester(child);
  const askTraceLog = opts.traceFile ? traceLogRequester(child) : async () => null;
  let out = '';
  let partial = '';
  let answered = 0;
  // Always drained: a full pipe would block the child's logging and so the child.
  child.stdout!.on('data', (d: Buffer) => {
    const text = d.toString();
    out = (out + text).slice(-20_000);
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.includes('"msg":"request"') && line.includes('"path":"/graphql"')) answered++;
  });
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const handle: Child = {
    name: kind,
    process: child,
    output: () => out,
    answered: () => answered,
    storeCounts: askCounts,
    traceLog: askTraceLog,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${kind} exited during start-up (${child.exitCode ?? child.signalCode}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`${kind} did not start in ${START_TIMEOUT_MS / 1000} s:\n${out}`);
      const ready =
        kind === 'worker'
          ? out.includes('worker started')
          : await fetch(`http://127.0.0.1:${opts.port}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      if (ready) return handle;
      await sleep(200);
    }
  } catch (err) {
    await handle.stop();
    throw err;
  }
}

/** Asks the child's store-counts.ts for its totals over IPC; resolves null when it cannot answer in time. */
function countsRequester(child: ChildProcess): () => Promise<StoreCounts | null> {
  const waiting = new Map<number, (counts: StoreCounts | null) => void>();
  let nextId = 0;
  // Other messages (tsx may announce the files it loads) are not ours.
  child.on('message', (m: Partial<StoreCountsReply>) => {
    if (m?.type !== STORE_COUNTS_REPLY || typeof m.id !== 'number') return;
    waiting.get(m.id)?.(m.counts ?? null);
  });
  return () =>
    new Promise((resolve) => {
      if (!child.connected) return resolve(null);
      const id = ++nextId;
      const done = (counts: StoreCounts | null) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(counts);
      };
      const timer = setTimeout(() => done(null), COUNTS_TIMEOUT_MS);
      waiting.set(id, done);
      child.send({ type: STORE_COUNTS_REQUEST, id }, (err) => err && done(null));
    });
}

/** Asks the child's trace-store.ts to open or close its command log over IPC; null when it cannot answer in time. */
function traceLogRequester(child: ChildProcess): Child['traceLog'] {
  const waiting = new Map<number, (reply: TraceLogReply | null) => void>();
  let nextId = 0;
  child.on('message', (m: Partial<TraceLogReply>) => {
    if (m?.type !== TRACE_LOG_REPLY || typeof m.id !== 'number') return;
    waiting.get(m.id)?.(m as TraceLogReply);
  });
  return (action) =>
    new Promise((resolve) => {
      if (!child.connected) return resolve(null);
      const id = ++nextId;
      const done = (reply: TraceLogReply | null) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(reply ? { log: reply.log ?? [], dropped: reply.dropped ?? 0 } : null);
      };
      const timer = setTimeout(() => done(null), COUNTS_TIMEOUT_MS);
      waiting.set(id, done);
      child.send({ type: TRACE_LOG_REQUEST, id, action }, (err) => err && done(null));
    });
}

/** Creates a staff user through the real auth service (as the admin CLI does); returns its id. */
export async function createUser(env: Record<string, string>, username: string, role: Role, desk: Desk | null): Promise<string> {
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const deps = await createDeps(config, pino({ level: 'silent' }));
  try {
    // SUPERVISOR/INVESTIGATOR wait for a second admin: the test factories' approver approves (src/auth/separation.ts).
    const user = await createUserWithRoles(deps, { username, password: BENCH_PASSWORD, roles: [role], desk });
    return user.id;
  } finally {
    await deps.close();
  }
}

export interface GqlResponse {
  status: number;
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    // Generous: on FerretDB one desk query at 100k reports takes tens of seconds.
    signal: AbortSignal.timeout(300_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as object) };
  } catch {
    return { status: res.status, errors: [{ message: text.slice(0, 200) }] };
  }
}

export async function signIn(url: string, username: string): Promise<string> {
  const r = await gql(url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: BENCH_PASSWORD });
  if (!r.data?.login?.token) throw new Error(`sign-in of ${username} failed: ${JSON.stringify(r.errors)}`);
  return r.data.login.token;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The p-th percentile (0–100) of a list of numbers, by nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** n, p50, p95, p99 and max of some durations in ms, rounded to 0.1 ms. */
export function latency(values: readonly number[]): Latency {
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: values.length, p50: r(percentile(values, 50)), p95: r(percentile(values, 95)), p99: r(percentile(values, 99)), max: r(percentile(values, 100)) };
}

/** Linux clock ticks per second for /proc/<pid>/stat (getconf CLK_TCK; 100 on every usual kernel). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far; NaN where /proc is not readable. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** The pid of the process whose command line contains `needle` (our own FerretDB or Redis, found by port). */
export function findPid(needle: string): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
        if (cmdline.includes(needle)) return Number(entry);
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc (not Linux): CPU shares are left out
  }
  return undefined;
}

export type CpuShares = Record<string, number>;

/**
 * Measures how much CPU each named process uses while `run` runs, in cores
 * (CPU seconds per wall second): what bounds a figure is usually whoever is
 * near 1 core (one busy thread) or near the machine's core count.
 */
export async function withCpu<T>(pids: Record<string, number | undefined>, run: () => Promise<T>): Promise<{ result: T; cores: CpuShares }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const benchBefore = process.cpuUsage();
  const t0 = performance.now();
  const result = await run();
  const wall = (performance.now() - t0) / 1000;
  const bench = process.cpuUsage(benchBefore);
  const cores: CpuShares = {};
  for (const [name, pid] of Object.entries(pids)) {
    const used = cpuSeconds(pid) - before[name]!;
    if (Number.isFinite(used)) cores[name] = Math.round((used / wall) * 100) / 100;
  }
  cores.bench = Math.round(((bench.user + bench.system) / 1e6 / wall) * 100) / 100;
  return { result, cores };
}

/**
 * A phase run alone (`npx tsx scripts/bench/<phase>.ts`): runs `main` when `moduleUrl` is the script node was started
 * with (not when `npm run bench` imports the phase), then exits 0, or 1 with the error's stack.
 */
export function runIfMain(moduleUrl: string, main: () => Promise<unknown>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}

/**
 * Ends a phase run alone, whatever failed: its processes newest first, then what else it opened (a store client, a
 * queue factory), then its FerretDB and Redis, then their throwaway directory. Nothing here throws.
 */
export async function stopAlone(run: { children: Child[]; closing?: ({ close(): Promise<unknown> } | null | undefined)[]; services: { stop(): Promise<unknown> }; dir: string }) {
  for (const c of [...run.children].reverse()) await c.stop().catch(() => {});
  for (const x of run.closing ?? []) await x?.close().catch(() => {});
  await run.services.stop().catch(() => {});
  rmSync(run.dir, { recursive: true, force: true });
}
