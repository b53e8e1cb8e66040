/**
 * A report page whose links' audited reads are refused (the audit log
 * down, or its tail-cut alarm raised) shows no shared value, and leaves no
 * rejection unhandled: an audit append refused while another link's read
 * was still on its way once went unwatched, which ends a Node 24 process
 * (src/reports/desk/link-values.ts; the same guard in search.ts). And a
 * linked report's lookup that fails after another's values were decrypted
 * still leaves that decryption on the audit record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventInput, RecordOptions } from '../../../src/audit/types.js';
import { triageProcessorOf } from '../../../src/worker.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { createStaff } from '../../support/factories.js';
import { auditEntries, recordCall } from '../../support/desk.js';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp();
});
afterAll(() => app?.close());

describe('audited link values when the audit log refuses', () => {
  it('shows no shared value, and no rejection goes unhandled', async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const van = { vehicles: [{ registration: 'LK66 RFS' }], subjects: [], locations: [] };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await recordCall(app, handler.token, 60 + i, van));
      expect(await triageProcessorOf(app.deps).route(ids[i]!)).toBe('routed');
    }
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const audit = app.deps.services.audit;
    const record = audit.record;
    // Every read of a linked report's values is refused at once, while the next link's read is still in the store.
    audit.record = (event: AuditEventInput, options?: RecordOptions) =>
      (event.details as { purpose?: string } | undefined)?.purpose === 'link-values' ? Promise.reject(new Error('audit log refuses appends')) : record.call(audit, event, options);
    try {
      const res = await app.gql(`query($id: ID!) { report(id: $id) { id links { reportId sharedValues { kind value } } } }`, { id: ids[2] }, supervisor.token);
      // No value leaves without its read on record: each link's shared values fail, in words that say nothing.
      expect(res.data.report.links.map((l: { sharedValues: unknown }) => l.sharedValues)).toEqual([null, null]);
      expect((res.errors ?? []).map((e) => [e.path?.at(-1), e.extensions?.code])).toEqual([
        ['sharedValues', 'INTERNAL_SERVER_ERROR'],
        ['sharedValues', 'INTERNAL_SERVER_ERROR'],
      ]);
      await new Promise((r) => setTimeout(r, 200)); // a stray rejection is reported within a turn or two
      expect(unhandled).toEqual([]);
    } finally {
      audit.record = record;
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it("a linked report's lookup that fails after another's decryption still leaves that decryption on record", async () => {
    const handler = await createStaff(app, 'CALL_HANDLER');
    const supervisor = await createStaff(app, 'SUPERVISOR');
    const van = { vehicles: [{ registration: 'LK67 WQZ' }], subjects: [], locations: [] };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await recordCall(app, handler.token, 70 + i, van));
      expect(await triageProcessorOf(app.deps).route(ids[i]!)).toBe('routed');
    }
    const [decrypted, failing, page] = ids as [string, string, string];
    const reads = async () => (await auditEntries(app, 'report.read', decrypted)).filter((e: any) => e.details?.purpose === 'link-values').length;
    const before = await reads();
    const reports = app.deps.reports;
    const find = reports.findForConfirming;
    // The other linked report's lookup fails, after the first one's values are decrypted.
    reports.findForConfirming = (async (id: string) => {
      if (id !== failing) return find.call(reports, id);
      await new Promise((r) => setTimeout(r, 150));
      throw new Error('store lookup failed');
    }) as typeof find;
    try {
      const res = await app.gql(`query($id: ID!) { report(id: $id) { id links { reportId sharedValues { kind value } } } }`, { id: page }, supervisor.token);
      expect(res.errors?.length).toBeGreaterThan(0);
    } finally {
      reports.findForConfirming = find;
    }
    expect(await reads()).toBe(before + 1);
  });
});
