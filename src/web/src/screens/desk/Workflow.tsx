/**
 * The status workflow for the holder: one button per legal next state (from
 * the server's state machine via Report.nextSteps, never a second copy here),
 * a reason where the step needs one, and referral to the other desk or
 * release back to the queue.
 */
import { useId, useState } from 'react';
import { LIMITS } from '../../../../reports/limits';
import { request } from '../../api/client';
import type { Desk } from '../../gql/graphql';
import { TextArea, humanise } from '../../ui/ui';
import { REFER, RELEASE, TRANSITION } from './operations';
import type { Act, ReportData } from './types';

const OTHER: Record<Desk, Desk> = { SO12: 'SO13', SO13: 'SO12' };

export function Workflow({ report, act }: { report: ReportData; act: Act }) {
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reasonId = useId();
  const other = report.desk ? OTHER[report.desk] : null;

  async function go(needsReason: boolean, done: string, run: (reason: string) => Promise<unknown>, leave = false) {
    const r = reason.trim();
    if (needsReason && r.length < LIMITS.reasonMin) {
      setReasonError(`Give a reason of at least ${LIMITS.reasonMin} characters for this step.`);
      document.getElementById(reasonId)?.focus();
      return;
    }
    setReasonError(undefined);
    setBusy(true);
    const err = await act(done, () => run(r), { leave });
    setBusy(false);
    setError(err);
    if (!err) setReason('');
  }

  // Release and refer: offered when the server's state machine allows them from this status (availableActions).
  const canRelease = report.availableActions.includes('RELEASE');
  const canRefer = other !== null && report.availableActions.includes('REFER');
  if (report.nextSteps.length === 0 && !canRelease && !canRefer) return null;

  return (
    <section className="panel" aria-labelledby="workflow-title">
      <h2 id="workflow-title">Move the report on</h2>
      <TextArea
        id={reasonId}
        label="Reason"
        hint="Needed to record an outcome, close, refer or release; kept in the report's history."
        rows={2}
        maxLength={LIMITS.reason}
        value={reason}
        error={reasonError}
        onChange={(e) => setReason(e.target.value)}
      />
      {error && (
        <div className="alert error" role="alert">
          <p>{error}</p>
        </div>
      )}
      <div className="actions">
        {report.nextSteps.map((s) => (
          <button
            key={s.to}
            type="button"
            className="primary"
            disabled={busy}
            onClick={() =>
              void go(s.reasonRequired, `Moved to ${humanise(s.to)}.`, (r) => request(TRANSITION, { id: report.id, to: s.to, reason: r, expectedVersion: report.version }))
            }
          >
            Move to {humanise(s.to)}
            {s.reasonRequired ? ' (reason needed)' : ''}
          </button>
        ))}
        {canRefer && (
          <button type="button" disabled={busy} onClick={() => void go(true, `Referred to ${other}.`, (r) => request(REFER, { id: report.id, toDesk: other, reason: r }), true)}>
            Refer to {other}
          </button>
        )}
        {canRelease && (
          <button type="button" disabled={busy} onClick={() => void go(true, 'Released to the queue.', (r) => request(RELEASE, { id: report.id, reason: r }), true)}>
            Release to the queue
          </button>
        )}
      </div>
    </section>
  );
}
