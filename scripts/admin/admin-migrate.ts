/**
 * `migrate` and `migrate --status`: the store migrations (src/migrations/),
 * run on purpose before a production upgrade starts its processes (they
 * refuse to start with migrations pending unless MIGRATE_ON_START=true).
 * This command's own start skips the start-up check (`startup: 'none'`),
 * then runs or lists them; a store migrated by a newer version is refused
 * here too.
 */
import type { Deps } from '../../src/deps.js';

const when = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const migrateCommands = {
  migrate: {
    needsDeps: true,
    startup: 'none' as const,
    options: { status: { type: 'boolean' as const } },
    async run(deps: Deps, v: { status?: unknown } = {}) {
      const st = await deps.migrations.status();
      if (v.status) {
        console.log(`store at version ${st.storeVersion}; this code knows ${st.known}`);
        for (const row of st.rows) {
          const state = row.appliedAt ? `applied ${when(row.appliedAt)}` : row.progress ? `pending (unfinished run: ${row.progress.done} done, last checkpoint ${when(row.progress.at)})` : 'pending';
          console.log(`  ${String(row.version).padStart(4)} ${row.id}  ${state}\n       ${row.description}`);
        }
        if (st.lock) console.log(`lock held by ${st.lock.holder}, renewed ${when(st.lock.at)}`);
        if (st.storeVersion > st.known) {
          console.log(`store migrated by a newer version (${st.storeVersion} > ${st.known}): this code must not run against it`);
          return 1;
        }
        console.log(st.pending.length ? `${st.pending.length} pending: run npm run admin -- migrate` : 'nothing pending');
        return 0;
      }
      const out = await deps.migrations.run();
      if (out.waited) console.log('waited for another runner holding the migration lock');
      for (const a of out.applied) console.log(`applied ${a.id}: ${Object.entries(a.outcome).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      console.log(out.applied.length ? `done: store at version ${(await deps.migrations.status()).storeVersion}` : `nothing pending: store at version ${st.storeVersion}`);
      return 0;
    },
  },
};
