/**
 * A reader racing a writer, in store commands (src/reports/store/freshness.ts `staleness`): a report read at v whose
 * change to v+1 was claimed and has landed since (or is landing) is current enough, and saying so must not cost a
 * check of the audit chain by event key, which on FerretDB decodes the whole audit collection (the full bench of
 * 2026-12-07 15:13: 48 such scans, 178 s of the worker's store time, in the hot-postcode phase). A report put back
 * under a later change is still found: tests/integration/adversary/rollback.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootMonitored, type TestApp } from '../support/app.js';
import { recordCall } from '../support/desk.js';
import { createStaff } from '../support/factories.js';

let app: TestApp;
let handler: Awaited<ReturnType<typeof createStaff>>;
let chainChecks = 0;

beforeAll(async () => {
  app = await bootMonitored((e) => {
    if (e.commandName === 'find' && e.command.find === 'audit' && JSON.stringify(e.command.filter ?? {}).includes('eventKey')) chainChecks++;
  });
  handler = await createStaff(app, 'CALL_HANDLER');
});
afterAll(() => app?.close());

const raw = () => app.deps.database.db.collection<ReportDoc>('reports');
/** A writer's change as freshness sees it: the claim of the next version, then the report's update (its version). */
const claimNext = (doc: ReportDoc) => app.deps.database.db.collection<{ _id: string; at: Date }>('report_versions').insertOne({ _id: `${doc._id}:${doc.version + 1}`, at: new Date() });
const land = (doc: ReportDoc) => raw().updateOne({ _id: doc._id }, { $set: { version: doc.version + 1 } });

describe('a reader that meets a claim for the next version', () => {
  it('asks the report, not the audit chain, when the change has landed since the read', async () => {
    const id = await recordCall(app, handler.token, 1);
    const doc = (await raw().findOne({ _id: id }))!;
    await claimNext(doc);
    await land(doc);
    const before = chainChecks;
    expect(await app.deps.reports.stalenessOf(doc)).toBeNull();
    expect(chainChecks - before).toBe(0);
  });

  it('waits for the change still on its way rather than asking the audit chain', async () => {
    const id = await recordCall(app, handler.token, 2);
    const doc = (await raw().findOne({ _id: id }))!;
    await claimNext(doc);
    const landing = new Promise((resolve) => setTimeout(resolve, 20)).then(() => land(doc));
    const before = chainChecks;
    expect(await app.deps.reports.stalenessOf(doc)).toBeNull();
    await landing;
    expect(chainChecks - before).toBe(0);
  });

  it('asks the chain when the report stays at the version read (a writer that died, or a rollback)', async () => {
    const id = await recordCall(app, handler.token, 3);
    const doc = (await raw().findOne({ _id: id }))!;
    await claimNext(doc);
    const before = chainChecks;
    // Not in the chain: a change abandoned by its writer, not a rollback.
    expect(await app.deps.reports.stalenessOf(doc)).toBeNull();
    expect(chainChecks - before).toBe(1);
  });
});
