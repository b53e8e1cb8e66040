/**
 * The local stack's store on disk: FerretDB 1.x's SQLite handler keeps each
 * database as one SQLite file (`<database>.sqlite`, with its `-wal` and
 * `-shm` while open) in its state directory, each collection a table of
 * documents as JSON (`_ferretdb_sjson`), named in `_ferretdb_collections`.
 * On MongoDB none of this applies (docs/backup.md: `mongodump --oplog`).
 *
 * A live SQLite file is never copied: SQLite's online backup API reads it in
 * one read transaction (all pages in one step), which is a consistent
 * snapshot of the database while FerretDB keeps writing (WAL mode: writers
 * are not blocked by the reader).
 */
import { readdirSync } from 'node:fs';
import { backup, DatabaseSync } from 'node:sqlite';

/** The database files in a FerretDB state directory (`hotline.sqlite`...), by name. */
export function databaseFiles(ferretDir: string): string[] {
  try {
    return readdirSync(ferretDir).filter((f) => f.endsWith('.sqlite')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Whether a state directory holds any database (or its journal): a restore goes only into one that holds none. */
export function holdsAnyDatabase(ferretDir: string): boolean {
  try {
    return readdirSync(ferretDir).some((f) => /\.sqlite(-wal|-shm|-journal)?$/.test(f));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Copies the live database at `source` to `dest` through SQLite's online backup, in one step (one consistent snapshot). */
export async function snapshotDatabase(source: string, dest: string): Promise<void> {
  const db = new DatabaseSync(source, { readOnly: true, timeout: 10_000 });
  try {
    // Node wants a positive page count: the largest int32 copies any database in one step (one read transaction).
    await backup(db, dest, { rate: 2 ** 31 - 1 });
  } finally {
    db.close();
  }
}

export interface DatabaseSummary {
  /** Documents per collection. */
  collections: Record<string, number>;
  /** The audit chain's last entry in this snapshot (the highest seq), or null when it has none. */
  auditTip: { seq: number; hash: string } | null;
}

/** Counts per collection and the audit chain's end, read from a snapshot file (never the live one). */
export function summariseDatabase(file: string, auditCollection = 'audit'): DatabaseSummary {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const hasMetadata = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_ferretdb_collections'").get();
    if (!hasMetadata) return { collections: {}, auditTip: null };
    const tables = db.prepare('SELECT name, table_name FROM _ferretdb_collections ORDER BY name').all() as { name: string; table_name: string }[];
    const quoted = (t: string) => `"${t.replace(/"/g, '""')}"`;
    const collections: Record<string, number> = {};
    for (const { name, table_name } of tables) {
      collections[name] = Number((db.prepare(`SELECT count(*) AS n FROM ${quoted(table_name)}`).get() as { n: number }).n);
    }
    const auditTable = tables.find((t) => t.name === auditCollection)?.table_name;
    let auditTip: DatabaseSummary['auditTip'] = null;
    if (auditTable) {
      const row = db.prepare(`SELECT _ferretdb_sjson AS doc FROM ${quoted(auditTable)} ORDER BY CAST(_ferretdb_sjson->>'$._id' AS INTEGER) DESC LIMIT 1`).get() as { doc: string } | undefined;
      if (row) {
        const doc = JSON.parse(row.doc) as { _id: unknown; hash: unknown };
        if (typeof doc._id === 'number' && typeof doc.hash === 'string') auditTip = { seq: doc._id, hash: doc.hash };
      }
    }
    return { collections, auditTip };
  } finally {
    db.close();
  }
}
