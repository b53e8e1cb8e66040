/**
 * Preloaded into the service's processes by `npm run bench -- --trace`
 * (`node --import tsx --import ./scripts/bench/trace-store.ts src/main.ts`):
 * turns on the MongoDB driver's command monitoring and, at exit, writes to
 * $BENCH_TRACE_FILE how many commands of each shape the process sent and
 * how long they took: command, collection and the filter's keys and
 * operators (never values). That names the queries a slow phase waits on.
 */
import { writeFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';

interface Shape {
  count: number;
  totalMs: number;
  maxMs: number;
}

const file = process.env.BENCH_TRACE_FILE;
const shapes = new Map<string, Shape>();
const started = new Map<number, string>();

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
  const collection = String(cmd[name] ?? '');
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
        started.set(e.requestId, describe(e.command, e.commandName));
      });
      this.on('commandSucceeded', (e) => record(e.requestId, e.duration));
      this.on('commandFailed', (e) => record(e.requestId, e.duration));
    }
    return connect.call(this);
  } as typeof connect;

  process.once('exit', () => {
    const rows = [...shapes].map(([shape, s]) => ({ shape, ...s, totalMs: Math.round(s.totalMs), maxMs: Math.round(s.maxMs) })).sort((a, b) => b.totalMs - a.totalMs);
    writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
  });
}

function record(requestId: number, ms: number) {
  const shape = started.get(requestId);
  if (!shape) return;
  started.delete(requestId);
  const s = shapes.get(shape) ?? { count: 0, totalMs: 0, maxMs: 0 };
  s.count++;
  s.totalMs += ms;
  s.maxMs = Math.max(s.maxMs, ms);
  shapes.set(shape, s);
}
