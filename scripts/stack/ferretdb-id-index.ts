/**
 * A workaround for FerretDB 1.x on SQLite, local stack only (production runs
 * on MongoDB). FerretDB pushes `{ _id: <string> }` filters down to SQLite as
 * `WHERE _ferretdb_sjson->'$._id' = ?`, but builds its unique `_id` index on
 * `_ferretdb_sjson->"_id"`, another expression, which SQLite's planner does
 * not match: every lookup by `_id` scans the collection until it finds the
 * document (measured: 43 ms at 2,000 and 209 ms at 10,000 reports for the
 * newest one; the same bug on its PostgreSQL backend: FerretDB issue #4646).
 *
 * So the launcher watches FerretDB's data directory and gives every
 * collection table an index on the expression the queries use, through the
 * sqlite3 shell (SQLite allows a second process on the file; FerretDB waits
 * up to 10 s for a lock). It only adds indexes: FerretDB neither knows nor
 * minds, its own unique index still enforces uniqueness, and dropping a
 * collection drops its table with them.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SUFFIX = '_id_lookup';
const LIST_MISSING = `SELECT name FROM sqlite_master WHERE type = 'table'
  AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_ferretdb\\_%' ESCAPE '\\'
  AND name || '${SUFFIX}' NOT IN (SELECT name FROM sqlite_master WHERE type = 'index');`;

/** Adds the missing `_id` lookup indexes to every database in `ferretDir`; returns how many it added. */
export async function addIdIndexes(sqlite3: string, ferretDir: string): Promise<number> {
  let added = 0;
  for (const file of readdirSync(ferretDir).filter((f) => f.endsWith('.sqlite'))) {
    const path = join(ferretDir, file);
    const { stdout } = await run(sqlite3, ['-readonly', '-cmd', '.timeout 10000', path, LIST_MISSING]);
    const tables = stdout.split('\n').filter((t) => /^[A-Za-z0-9_.-]+$/.test(t));
    if (!tables.length) continue;
    const sql = tables.map((t) => `CREATE INDEX IF NOT EXISTS "${t}${SUFFIX}" ON "${t}" (_ferretdb_sjson->'$._id');`).join('\n');
    await run(sqlite3, ['-cmd', '.timeout 10000', path, sql]);
    added += tables.length;
  }
  return added;
}

/** Keeps adding them as collections appear, every `everyMs`, until stopped. Failures are retried at the next tick. */
export function keepIdIndexes(sqlite3: string, ferretDir: string, everyMs = 1_000) {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    await addIdIndexes(sqlite3, ferretDir).catch(() => 0);
    busy = false;
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    /** Adds what is missing now (e.g. right after a process created its collections). */
    now: () => addIdIndexes(sqlite3, ferretDir),
    stop: () => clearInterval(timer),
  };
}
