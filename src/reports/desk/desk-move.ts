/**
 * When an administrator moves an investigator to the other desk, the reports
 * they hold go back to their desk's queue: each one through the state
 * machine's `release` row, as one guarded change with its history entry and
 * `report.release` audit event (actor: the administrator), like any release.
 * Who may move a user is the policy table's business (moveUserDesk: ADMIN),
 * so this command checks only that the report is still held by that user.
 */
import type { StaffPrincipal } from '../../auth/types.js';
import { AppError, conflict } from '../../errors.js';
import type { ChangeExecutor } from './change.js';
import type { DeskServiceDeps } from './deps.js';
import { reasonText } from '../rules/staff-text.js';
import { releaseSpec } from './commands.js';
import type { ReportDoc } from '../model/types.js';

export function createDeskMoveCommands(deps: Pick<DeskServiceDeps, 'reports' | 'log'>, executor: ChangeExecutor) {
  return {
    /**
     * Releases every report `holderId` holds; returns how many were released
     * and the ids that could not be (changed meanwhile: released, finished).
     */
    async releaseClaimsOf(actor: StaffPrincipal, holderId: string, reason: string) {
      const why = reasonText(reason);
      const released: string[] = [];
      const skipped: string[] = [];
      for (const { _id: id } of await deps.reports.findHeldBy(holderId)) {
        try {
          const stillHeld = (d: ReportDoc) => {
            if (d.assignee !== holderId) throw conflict('The report is no longer held by this user');
          };
          await executor.change(actor, id, releaseSpec(why, stillHeld, holderId), { deskMove: true });
          released.push(id);
        } catch (err) {
          if (!(err instanceof AppError) || err.code === 'DATA_INTEGRITY') throw err;
          deps.log.warn({ reportId: id, code: err.code }, 'desk move: a held report could not be released');
          skipped.push(id);
        }
      }
      return { released, skipped };
    },
  };
}
