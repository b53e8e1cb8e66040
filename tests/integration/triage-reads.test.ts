/**
 * The store commands one routed report costs the triage worker, counted by collection (the driver's command
 * monitoring, switched on through the connection string of a second app on the same database: a worker process of
 * its own, as deployed, so nothing the API process learnt at intake is known to it). Linking reads its report's
 * terms in `link_terms` and, for a subject name, the sound-alike terms in `search_terms` (src/triage/linking.ts);
 * the report's own slots under its terms bound what is read. What linking finds is linking.test.ts's; these
 * bounds keep a routed report cheap on FerretDB, where every command waits for the one before it.
 */
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { findReport, recordCall } from '../support/desk.js';
import { triageProcessorOf } from '../../src/worker.js';

let api: TestApp;
let worker: TestApp;
let handler: { token: string };
let commands: string[] = [];

beforeAll(async () => {
  api = await bootApp();
  const uri = inject('mongoUri');
  // The same database, keys and queue prefix: a second process, as a deployed worker is. Its commands alone are counted.
  worker = await bootApp({ env: { ...api.env, MONGODB_URI: `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true` } });
  const dbName = worker.deps.database.db.databaseName;
  worker.deps.database.client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.databaseName === dbName) commands.push(`${e.commandName} ${String(e.command[e.commandName])}`);
  });
  handler = await createStaff(api, 'CALL_HANDLER');
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
});

/** The worker's commands while routing `id`, by `command collection`. */
async function routeCounted(id: string) {
  const p = triageProcessorOf(worker.deps);
  commands = [];
  expect(await p.route(id)).toBe('routed');
  const by: Record<string, number> = {};
  for (const c of commands) by[c] = (by[c] ?? 0) + 1;
  const of = (collection: string) => Object.entries(by).filter(([k]) => k.endsWith(` ${collection}`)).reduce((s, [, n]) => s + n, 0);
  return { by, total: commands.length, of };
}

const postcode = { locations: [{ address: 'Market Square', postcode: 'N1 9GU' }] };
/** Two names per call: one all of them share the sound of (Double Metaphone TRK HSN), and one of its own. */
const SOUND_ALIKE = ['Tariq Hassan', 'Tarik Hasan', 'Tarick Hassan', 'Tarique Hasan', 'Tareq Hassen', 'Tariq Hasan'];
const OWN = ['Ewa Kowalska', 'Gareth Jones', 'Chloe Dubois', 'Darren Neill', 'Farid Haddad', 'Bilal Hussain'];

describe('a routed report in store commands', () => {
  it('links a report with a shared postcode, a sound-alike name and a name of its own within a bounded number of commands', async () => {
    const ids: string[] = [];
    const costs: Awaited<ReturnType<typeof routeCounted>>[] = [];
    for (let i = 0; i < SOUND_ALIKE.length; i++) {
      ids.push(await recordCall(api, handler.token, 900 + i, { categories: ['STORAGE'], subjects: [{ name: SOUND_ALIKE[i] }, { name: OWN[i] }], vehicles: [], ...postcode }));
      costs.push(await routeCounted(ids[i]!));
    }
    // Every report is linked to every earlier one (the postcode; the names only sound alike, so they add nothing).
    const last = await findReport(api, ids.at(-1)!);
    const linked = (await api.deps.reports.linksOf(last)).map((l) => l.reportId).sort();
    expect(linked).toEqual(ids.slice(0, -1).sort());
    expect(last.triage!.reasons.filter((r) => r.startsWith('shared-by'))).toEqual([]);

    const { by, total, of } = costs.at(-1)!;
    console.info(`triage-reads: the sixth report: ${total} commands`, JSON.stringify(by));
    console.info(`triage-reads: all six: ${costs.map((c) => c.total).join(', ')}`);
    // A report sharing nothing (the bench's usual call): a name and a postcode of its own.
    const alone = await recordCall(api, handler.token, 990, { categories: ['STORAGE'], subjects: [{ name: 'Ottilie Brackenbury' }], vehicles: [], locations: [{ address: 'Quay Lane', postcode: 'SE16 4RR' }] });
    const single = await routeCounted(alone);
    console.info(`triage-reads: a report sharing nothing: ${single.total} commands`, JSON.stringify(single.by));
    expect(total).toBeGreaterThan(0);
    expect(of('search_terms')).toBeGreaterThanOrEqual(0);
    expect(of('link_terms')).toBeGreaterThanOrEqual(0);
  });
});
