/**
 * Preloaded into the service's processes by `npm run bench -- --trace`
 * (`node --import tsx --import ./scripts/bench/trace-store.ts src/main.ts`):
 * turns on the MongoDB driver's command monitoring and, at exit, writes to
 * $BENCH_TRACE_FILE how many commands of each shape the process sent and
 * how long they took: command, collection and the filter's keys and
 * operators (never values). That names the queries a slow phase waits on.
 *
 * The same file holds those figures per second of wall clock (`buckets`,
 * phase-trace.ts), so the bench can tell what the store was doing in each of
 * its phases. And over its IPC channel (the one store-counts.ts answers on)
 * the bench can ask for a log of every command with its start and end while
 * it times the claims (TRACE_LOG_REQUEST), to see what overlapped the
 * slowest ones; the log is kept only between its start and stop, bounded.
 */
import { writeFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { addToBuckets, bucketRecords, BUCKET_MS, type Buckets, type LoggedCommand } from './phase-trace.js';

export const TRACE_LOG_REQUEST = 'bench:trace-log?';
export const TRACE_LOG_REPLY = 'bench:trace-log';

/** `start` clears and opens the log; `stop` closes it and returns what it holds. */
export interface TraceLogRequest {
  type: typeof TRACE_LOG_REQUEST;
  id: number;
  action: 'start' | 'stop';
}

export interface TraceLogReply {
  type: typeof TRACE_LOG_REPLY;
  id: number;
  /** On `stop`: the commands that ran while the log was open (those still running end at the stop). */
  log?: LoggedCommand[];
  /** Commands left out once the log was full. */
  dropped?: number;
}

/** The trace file: totals by shape (most time first), and the same per bucket of wall clock. */
export interface TraceFile {
  shapes: { shape: string; count: number; totalMs: number; maxMs: number }[];
  bucketMs: number;
  buckets: ReturnType<typeof bucketRecords>;
}

/** A claims phase sends some thousands of commands; past this the log stops growing and says how many it left out. */
const LOG_LIMIT = 200_000;

interface Shape {
  count: number;
  totalMs: number;
  maxMs: number;
}

const file = process.env.BENCH_TRACE_FILE;
const shapes = new Map<string, Shape>();
const buckets: Buckets = new Map();
/** Commands sent and not yet answered: shape and start, by wall clock (`Date.now()`) and in sub-ms for the log. */
const started = new Map<number, { shape: string; at: number; preciseAt: number }>();
/** Open while the bench times the claims: commands that ran since `since`. */
let log: { since: number; commands: LoggedCommand[]; dropped: number } | null = null;
const preciseNow = () => performance.timeOrigin + performance.now();

/** `{ desk, status, assignee }`, `{ _id, version: n }` → keys and operators only. */
function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length ? shapeOf(value[0]) : ''}]`;
  if (value && typeof value === 'object' && value.constructor === Object) {
    return `{${Object.entries(value)
      .map(([k, v]) => (k.startsWith('$') || (v && typeof v === 'object' && v.constructor === Object) ? `${k}:${shapeOf(v)}` : k))
      .join(',')}}`;
  }
  return '';
}

function describe(cmd: Record<string, any>, name: string): string {
  // getMore names its cursor (a new id each time: one shape per cursor) and carries the collection beside it.
  const collection = String((name === 'getMore' ? cmd.collection : cmd[name]) ?? '');
  const filter =
    name === 'find' ? cmd.filter
    : name === 'findAndModify' ? cmd.query
    : name === 'update' ? cmd.updates?.[0]?.q
    : name === 'delete' ? cmd.deletes?.[0]?.q
    : name === 'count' ? cmd.query
    : name === 'aggregate' ? cmd.pipeline?.[0]?.$match
    : undefined;
  const sort = name === 'find' && cmd.sort ? ` sort${shapeOf(cmd.sort)}` : '';
  return `${name} ${collection}${filter ? ` ${shapeOf(filter)}` : ''}${sort}`;
}

if (file) {
  const connect = MongoClient.prototype.connect;
  MongoClient.prototype.connect = function patchedConnect(this: MongoClient) {
    if (!this.options.monitorCommands) {
      (this as unknown as { monitorCommands: boolean }).monitorCommands = true;
      this.on('commandStarted', (e) => {
        if (e.commandName === 'hello' || e.commandName === 'ismaster' || e.commandName === 'ping') return;
        started.set(e.requestId, { shape: describe(e.command, e.commandName), at: Date.now(), preciseAt: preciseNow() });
      });
      this.on('commandSucceeded', (e) => record(e.requestId, e.duration));
      this.on('commandFailed', (e) => record(e.requestId, e.duration));
    }
    return connect.call(this);
  } as typeof connect;

  process.once('exit', () => {
    const rows = [...shapes].map(([shape, s]) => ({ shape, ...s, totalMs: Math.round(s.totalMs), maxMs: Math.round(s.maxMs) })).sort((a, b) => b.totalMs - a.totalMs);
    // One bucket a line: a full run writes about 1,200 of them.
    const lines = bucketRecords(buckets).map((b) => JSON.stringify(b));
    writeFileSync(file, `{\n"shapes": ${JSON.stringify(rows, null, 2)},\n"bucketMs": ${BUCKET_MS},\n"buckets": [\n${lines.join(',\n')}\n]\n}\n`);
  });

  // Only in a process the bench spawned with an IPC channel (support.ts).
  if (process.send) {
    process.on('message', (m: Partial<TraceLogRequest>) => {
      if (m?.type !== TRACE_LOG_REQUEST || typeof m.id !== 'number') return;
      const reply: TraceLogReply = { type: TRACE_LOG_REPLY, id: m.id };
      if (m.action === 'start') log = { since: preciseNow(), commands: [], dropped: 0 };
      else if (log) {
        const now = preciseNow();
        // Still running: it ran at least until now (a long scan that outlasts the claims is what this is for).
        for (const c of started.values()) log.commands.push({ shape: c.shape, startMs: c.preciseAt, endMs: now });
        reply.log = log.commands;
        reply.dropped = log.dropped;
        log = null;
      }
      process.send?.(reply);
    });
    // Listening must not keep the service alive: it stops on SIGTERM as deployed.
    process.channel?.unref();
  }
}

function record(requestId: number, ms: number) {
  const command = started.get(requestId);
  if (!command) return;
  started.delete(requestId);
  const { shape } = command;
  addToBuckets(buckets, shape, command.at, ms);
  // Commands that began before the log opened but ended after count too: they overlapped the first claims.
  if (log && command.preciseAt + ms > log.since) {
    if (log.commands.length < LOG_LIMIT) log.commands.push({ shape, startMs: command.preciseAt, endMs: command.preciseAt + ms });
    else log.dropped++;
  }
  const s = shapes.get(shape) ?? { count: 0, totalMs: 0, maxMs: 0 };
  s.count++;
  s.totalMs += ms;
  s.maxMs = Math.max(s.maxMs, ms);
  shapes.set(shape, s);
}
