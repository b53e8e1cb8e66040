/**
 * Supervisor commands: reassigning a report, reopening a finished one,
 * sending a failed one back to triage, and erasure (crypto-shredding). Each
 * is a ChangeSpec run by the change executor (change.ts), like the
 * investigators' commands in commands.ts.
 */
import type { Principal } from '../../auth/types.js';
import { AppError, badInput, conflict } from '../../errors.js';
import * as access from '../rules/access.js';
import type { ChangeExecutor } from './change.js';
import { loadReport, type DeskServiceDeps } from './deps.js';
import { changed } from './presenters.js';
import { reasonText } from '../rules/staff-text.js';
import { allows, targetOf } from '../rules/state-machine.js';

/** The supervisors' commands, on the desk service's dependencies and its change executor. */
export function createSupervisorCommands(deps: Pick<DeskServiceDeps, 'reports' | 'users' | 'enqueueTriage' | 'log' | 'afterErase' | 'recordErasure'>, executor: ChangeExecutor) {
  const { reports, log } = deps;
  const { change } = executor;

  /**
   * Hands a TRIAGE_FAILED (or stuck RECEIVED) report back to the triage
   * worker: the outbox flag is set again and the report re-enqueued; the
   * worker then makes the `triage` transition of the state machine
   * (RECEIVED | TRIAGE_FAILED → TRIAGED). The status stays as it is until then.
   */
  async function retryTriage(principal: Principal | null, id: string, reason: string) {
    access.assertSupervisor(principal);
    const why = reasonText(reason);
    const doc = await change(principal, id, {
      op: 'retry_triage',
      transition: 'retryTriage',
      check() {
        access.assertSupervisor(principal);
      },
      where: (d) => ({ status: d.status }),
      set: () => ({ triagePending: true }),
      from: (d) => ({ status: d.status, triagePending: d.triagePending }),
      to: (d) => ({ status: d.status, triagePending: true }),
      reason: why,
      retry: true,
    });
    // The outbox flag is set: if Redis does not take the job now, the sweep will.
    if (!(await deps.enqueueTriage(doc))) log.warn({ reportId: doc._id }, 'triage queue unavailable; the outbox sweep will enqueue the report');
    return changed(doc);
  }

  return {
    /** Gives a report to a named investigator of its desk (or a supervisor). */
    async reassignReport(principal: Principal | null, id: string, toUsername: string, reason: string) {
      access.assertSupervisor(principal);
      const why = reasonText(reason);
      const username = typeof toUsername === 'string' ? toUsername.trim().toLowerCase() : '';
      const target = username && username.length <= 64 ? await deps.users.findByUsername(username) : null;
      if (!target || target.disabled) throw badInput('There is no active user with that username', ['toUsername']);
      const targetIsSupervisor = target.roles.includes('SUPERVISOR');
      if (!targetIsSupervisor && !target.roles.includes('INVESTIGATOR')) throw badInput(`${target.username} is not an investigator`, ['toUsername']);
      const doc = await change(
        principal,
        id,
        {
          op: 'reassign',
          transition: 'reassign',
          check(d) {
            access.assertSupervisor(principal);
            if (!allows('reassign', d.status)) return; // the state machine's message
            if (!targetIsSupervisor && target.desk !== d.desk) {
              throw badInput(`${target.username} is not on the ${d.desk ?? 'report'} desk; refer the report first`, ['toUsername']);
            }
            if (d.assignee === target._id) throw badInput(`${target.username} already holds this report`, ['toUsername']);
          },
          where: (d) => ({ status: d.status, assignee: d.assignee, desk: d.desk }),
          set: () => ({ assignee: target._id }),
          from: (d) => ({ status: d.status, assignee: d.assignee }),
          to: (d) => ({ status: targetOf('reassign', d.status), assignee: target._id }),
          reason: why,
          retry: true,
          events: (d) => [[d.desk, 'reassigned']],
        },
        { toUsername: target.username },
      );
      return changed(doc);
    },

    /**
     * Reopens a finished report into its desk's queue. A TRIAGE_FAILED (or
     * stuck RECEIVED) report is instead sent back to triage (retryTriage).
     */
    async reopenReport(principal: Principal | null, id: string, reason: string) {
      access.assertSupervisor(principal);
      const current = await loadReport(reports, id);
      if (allows('retryTriage', current.status)) return retryTriage(principal, id, reason);
      const why = reasonText(reason);
      const doc = await change(principal, id, {
        op: 'reopen',
        transition: 'reopen',
        check() {
          access.assertSupervisor(principal);
        },
        where: (d) => ({ status: d.status }),
        // A reopened report has no outcome until it is closed again (statistics count closed reports only).
        set: (d) => ({ assignee: null, closedAt: null, ...(d.outcome ? { outcome: null } : {}) }),
        from: (d) => ({ status: d.status, assignee: d.assignee, ...(d.outcome ? { outcome: d.outcome } : {}) }),
        to: (d) => ({ status: targetOf('reopen', d.status), assignee: null }),
        reason: why,
        retry: true,
        events: (d) => [[d.desk, 'reopened']],
      });
      return changed(doc);
    },

    retryTriage,

    /**
     * Crypto-shredding: one update drops the envelopes, the wrapped data key
     * (and with it every typed reason, sealed under it: reports/content/reasons.ts), the
     * index terms, the intake fingerprint, idempotency key and receipt hash,
     * and leaves a tombstone (non-sensitive fields and the history, which
     * still verifies), and empties the attachment records; the files' chunks
     * are deleted after it. Its link edges go first, in both directions
     * (reports/store/links.ts): if the update then fails, a link is lost, never kept.
     */
    async eraseReport(principal: Principal | null, id: string, reason: string) {
      access.assertSupervisor(principal);
      const why = reasonText(reason);
      const current = await loadReport(reports, id);
      if (allows('erase', current.status)) await reports.eraseLinksOf(id);
      /** The attached files of the report as erased: their chunks go once the data key has (reports/store/attachment-chunks.ts). */
      let files: { id: string; chunks: number }[] = [];
      const doc = await change(principal, id, {
        op: 'erase',
        transition: 'erase',
        check(d) {
          access.assertSupervisor(principal);
          if (!allows('erase', d.status)) throw conflict('This report has already been erased');
        },
        where: (d) => ({ status: d.status }),
        // The idempotency key is unique: the tombstone keeps a placeholder naming only itself.
        set: (d, now) => {
          files = (d.attachments ?? []).map((a) => ({ id: a.id, chunks: a.chunks }));
          return { content: null, dataKey: null, bidx: [], links: [], fingerprint: '', idempotencyKey: `erased:${d._id}`, receiptHash: null, erasedAt: now, triagePending: false, ...(d.attachments ? { attachments: [] } : {}) };
        },
        // Shredding is never blocked by tampering; the tombstone keeps failing its envelope check.
        onTampered: 'keepFlagged',
        from: (d) => ({ status: d.status }),
        to: (d) => ({ status: targetOf('erase', d.status) }),
        reason: why,
        retry: true,
        events: (d) => [[d.desk, 'erased']],
      });
      // The files' ciphertexts, unreadable already (their key went with the data key): deleted, not left to wait.
      for (const file of files) await reports.attachmentChunks.deleteFile(file.id, file.chunks).catch((err: Error) => log.error({ reportId: id, errName: err?.name }, 'erasure: could not delete every chunk of an attached file'));
      // Then what outside the report names it (trust review 2, item 9); the erasure stands if this fails (logged).
      await deps.afterErase?.(id).catch((err: Error) => log.error({ reportId: id, errName: err?.name }, 'erasure: could not remove every job, notification or dead letter naming the report'));
      // The record a restore re-applies it from (audit/anchor.ts), synced before the erasure answers.
      try {
        await deps.recordErasure?.(id, doc.erasedAt ?? new Date());
      } catch (err) {
        log.error({ reportId: id, errName: (err as Error)?.name }, 'erasure: the report is erased, but its record in the audit anchor directory could not be written; a restore of an earlier backup would not re-apply it');
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The report was erased, but the record of the erasure outside the database could not be written (the audit anchor directory): tell the service operator, who must fix the directory before any restore',
        );
      }
      return changed(doc);
    },
  };
}
