/**
 * Preloaded into the service's processes by every bench run
 * (`node --import tsx --import ./scripts/bench/store-counts.ts src/main.ts`,
 * spawned with an IPC channel by support.ts): counts the store commands the
 * process sends, by command and collection (`insert reports`), and answers
 * the bench's request over IPC with the totals so far. The bench asks at
 * each phase's start and end, so it can print round trips per report.
 *
 * Counted where the driver sends a command on a connection (one command is
 * one round trip, getMore and retries included), not through command
 * monitoring: monitoring parses every reply a second time, which would slow
 * the reads it counts. Handshakes and heartbeats (hello) are not store work.
 * If a driver upgrade moves that method, nothing is patched and the bench
 * prints "not counted" instead of figures.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const STORE_COUNTS_REQUEST = 'bench:store-counts?';
export const STORE_COUNTS_REPLY = 'bench:store-counts';

/** Commands sent so far, by `command collection` (or the command alone when it names none). */
export type StoreCounts = Record<string, number>;

export interface StoreCountsReply {
  type: typeof STORE_COUNTS_REPLY;
  id: number;
  /** null when the driver could not be instrumented. */
  counts: StoreCounts | null;
}

const NOT_STORE_WORK = new Set(['hello', 'ismaster', 'isMaster']);

/** `{ insert: 'reports', documents: [...] }` → `insert reports`; `{ getMore: n, collection: 'reports' }` → `getMore reports`. */
function keyOf(cmd: Record<string, unknown>): string | undefined {
  const name = Object.keys(cmd)[0];
  if (!name || NOT_STORE_WORK.has(name)) return undefined;
  const target = name === 'getMore' ? cmd.collection : cmd[name];
  return typeof target === 'string' ? `${name} ${target}` : name;
}

type CommandFn = (this: unknown, ns: unknown, cmd: Record<string, unknown>, ...rest: unknown[]) => unknown;

/** Wraps the driver's `Connection.prototype.command` (every command of every client goes through it); false if it is not there. */
function instrument(counts: StoreCounts): boolean {
  try {
    const require = createRequire(import.meta.url);
    const file = join(dirname(require.resolve('mongodb/package.json')), 'lib/cmap/connection.js');
    const proto = (require(file) as { Connection?: { prototype: { command?: CommandFn } } }).Connection?.prototype;
    const command = proto?.command;
    if (!proto || typeof command !== 'function') return false;
    proto.command = function countedCommand(ns, cmd, ...rest) {
      const key = cmd && typeof cmd === 'object' ? keyOf(cmd) : undefined;
      if (key) counts[key] = (counts[key] ?? 0) + 1;
      return command.call(this, ns, cmd, ...rest);
    };
    return true;
  } catch {
    return false;
  }
}

// Only in a process the bench spawned with an IPC channel: importing this file for its types does nothing.
if (process.send) {
  const counts: StoreCounts = {};
  const counting = instrument(counts);
  process.on('message', (m: { type?: unknown; id?: unknown }) => {
    if (m?.type !== STORE_COUNTS_REQUEST || typeof m.id !== 'number') return;
    const reply: StoreCountsReply = { type: STORE_COUNTS_REPLY, id: m.id, counts: counting ? { ...counts } : null };
    process.send?.(reply);
  });
  // Listening must not keep the service alive: it stops on SIGTERM as deployed.
  process.channel?.unref();
}
