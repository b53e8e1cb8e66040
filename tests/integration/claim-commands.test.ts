/**
 * What sequential claims send to the store, background work included (the driver's command monitoring, switched on
 * through the connection string): each claim's window runs from its request to the next claim's, so a fold that one
 * claim starts in the background (src/reports/store/person-lists.ts: of the investigator's `myReports` list, or of the
 * recorder's `mySubmissions`, whose listed state a claim changes) counts against the claims it overlaps. On FerretDB each command waits for the one before it, so the most commands in one
 * window bounds the slowest claim. The claims' order, and that the list holds each claimed report once after the folds,
 * are checked on the way (desk-queue-heads.test.ts counts the queue tables).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootMonitored, commandOf, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { Q, recordCall, triageDirectly } from '../support/desk.js';

const CLAIMS = 64;
const MY_REPORTS = `{ myReports { id } }`;

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;
let inv: Awaited<ReturnType<typeof createStaff>>;
const commands: string[] = [];

beforeAll(async () => {
  app = await bootMonitored((e) => commands.push(commandOf(e)));
  [handler, inv] = await Promise.all([createStaff(app, 'CALL_HANDLER'), createStaff(app, 'INVESTIGATOR', 'SO12')]);
});
afterAll(() => app?.close());

describe('sequential claims, in store commands', () => {
  it(`no one of ${CLAIMS} claims overlaps more than a short fold of each list it writes to, and the holder's list holds every claim once`, async () => {
    const queued: string[] = [];
    for (let i = 0; i < CLAIMS + 2; i++) {
      const id = await recordCall(app, handler.token, 900 + i);
      await triageDirectly(app, id, 'SO12', 'P2');
      queued.push(id);
    }
    const starts: number[] = [];
    const taken: string[] = [];
    for (let i = 0; i < CLAIMS; i++) {
      starts.push(commands.length);
      const res = await app.gql(Q.claimNext, { desk: 'SO12' }, inv.token);
      expect(res.errors).toBeUndefined();
      taken.push(res.data.claimNextReport.id);
    }
    const end = commands.length;
    // Claim i's window: its own commands and whatever background work ran until the next claim began.
    const windows = starts.map((s, i) => commands.slice(s, starts[i + 1] ?? end));
    const lists = windows.map((w) => w.filter((c) => c.endsWith(' person_lists')).length);
    for (const [i, w] of windows.entries()) {
      const by = w.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});
      process.stdout.write(`claim-commands: claim ${i + 1}: ${w.length} commands, person_lists ${lists[i]}${lists[i]! > 2 ? ` ${JSON.stringify(Object.fromEntries(Object.entries(by).filter(([k]) => k.endsWith('person_lists'))))}` : ''}\n`);
    }
    const steady = windows.slice(1).map((w) => w.length); // the first claim builds the queue heads it reads
    process.stdout.write(`claim-commands: ${CLAIMS} claims, ${end - starts[0]!} commands (${((end - starts[0]!) / CLAIMS).toFixed(2)} a claim), the most in one claim's window (the first aside) ${Math.max(...steady)}\n`);
    expect(taken).toEqual(queued.slice(0, CLAIMS));
    expect(Math.max(...steady)).toBeLessThanOrEqual(MOST_IN_ONE_CLAIM);
    expect(Math.max(...lists)).toBeLessThanOrEqual(MOST_LIST_COMMANDS_IN_ONE_CLAIM);

    // Every claim listed once, whatever the folds snapshotted (a fold never loses or repeats a row).
    const mine = await app.gql(MY_REPORTS, {}, inv.token);
    expect(mine.errors).toBeUndefined();
    const ids = (mine.data.myReports as { id: string }[]).map((r) => r.id);
    expect(ids.length).toBe(CLAIMS);
    expect([...ids].sort()).toEqual([...taken].sort());
  }, 240_000); // 66 calls recorded and routed, then 64 claims (minutes on a loaded machine)
});

/**
 * A claim's own commands (desk-queue-heads.test.ts: 17, and two inserts of list rows, the holder's and the recorder's
 * sharing one) and at most one writer's fold of each of the two lists it writes to (person-lists.ts
 * WRITER_SNAPSHOT_EVERY: the erasure mark, 8 slots (the previous snapshot kept by this process, not read again), the
 * new snapshot and its pointer, 11 commands; here they never
 * meet: 30 at most). Before: 56 (20 and a fold of 32 slots, 36 commands, every 16th claim for the investigator's list
 * and every 32nd for the recorder's).
 */
const MOST_IN_ONE_CLAIM = 19 + 2 * 11;
/** The lists' commands in one window: the claim's two inserts and a fold of each list. Before: 38. */
const MOST_LIST_COMMANDS_IN_ONE_CLAIM = 2 + 2 * 11;
