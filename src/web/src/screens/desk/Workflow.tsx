/**
 * The status workflow for the holder: one button per legal next state (from
 * the server's state machine via Report.nextSteps, never a second copy here),
 * a reason where the step needs one, the outcome where it records one
 * (closing: src/reports/model/outcomes.ts), and referral to the other desk or
 * release back to the queue.
 */
import { useId, useState } from 'react';
import { STAFF_TEXT_LIMITS } from '../../../../reports/rules/staff-text-limits';
import { CLOSE_OUTCOMES, OUTCOME_LABELS } from '../../../../reports/model/outcomes';
import { request } from '../../api/client';
import type { CloseOutcome, Desk } from '../../gql/graphql';
import { Select, TextArea, humanise } from '../../ui/ui';
import { REFER, RELEASE, TRANSITION } from './operations';
import type { Act, ReportData } from './types';

const OTHER: Record<Desk, Desk> = { SO12: 'SO13', SO13: 'SO12' };
const OUTCOMES = CLOSE_OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABELS[o] }));

export function Workflow({ report, act }: { report: ReportData; act: Act }) {
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<CloseOutcome | ''>('');
  const [outcomeError, setOutcomeError] = useState<string | undefined>();
  const outcomeId = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reasonId = useId();
  const other = report.desk ? OTHER[report.desk] : null;

  async function go(needsReason: boolean, done: string, run: (reason: string) => Promise<unknown>, leave = false, needsOutcome = false) {
    const r = reason.trim();
    const reasonMissing = needsReason && r.length < STAFF_TEXT_LIMITS.reasonMin;
    const outcomeMissing = needsOutcome && !outcome;
    setReasonError(reasonMissing ? `Give a reason of at least ${STAFF_TEXT_LIMITS.reasonMin} characters for this step.` : undefined);
    setOutcomeError(outcomeMissing ? 'Choose what came of the report before closing it.' : undefined);
    if (reasonMissing || outcomeMissing) {
      document.getElementById(reasonMissing ? reasonId : outcomeId)?.focus();
      return;
    }
    setBusy(true);
    const err = await act(done, () => run(r), { leave });
    setBusy(false);
    setError(err);
    if (!err) {
      setReason('');
      setOutcome('');
    }
  }

  // Release and refer: offered when the server's state machine allows them from this status (availableActions).
  const canRelease = report.availableActions.includes('RELEASE');
  const canRefer = other !== null && report.availableActions.includes('REFER');
  const closing = report.nextSteps.some((s) => s.outcomeRequired);
  if (report.nextSteps.length === 0 && !canRelease && !canRefer) return null;

  return (
    <section className="panel" aria-labelledby="workflow-title">
      <h2 id="workflow-title">Move the report on</h2>
      <TextArea
        id={reasonId}
        label="Reason"
        hint="Needed to record an outcome, close, refer or release; kept in the report's history."
        rows={2}
        maxLength={STAFF_TEXT_LIMITS.reason}
        value={reason}
        error={reasonError}
        onChange={(e) => setReason(e.target.value)}
      />
      {closing && (
        <Select
          id={outcomeId}
          label="Outcome"
          hint="Needed to close: what came of the report. Recorded with it for statistics."
          placeholder="Choose…"
          options={OUTCOMES}
          value={outcome}
          error={outcomeError}
          onChange={(e) => setOutcome(e.target.value as CloseOutcome | '')}
        />
      )}
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
              void go(
                s.reasonRequired,
                s.outcomeRequired && outcome ? `Moved to ${humanise(s.to)}; outcome: ${OUTCOME_LABELS[outcome]}.` : `Moved to ${humanise(s.to)}.`,
                (r) => request(TRANSITION, { id: report.id, to: s.to, reason: r, expectedVersion: report.version, ...(s.outcomeRequired && outcome ? { outcome } : {}) }),
                false,
                s.outcomeRequired,
              )
            }
          >
            Move to {humanise(s.to)}
            {s.outcomeRequired ? ' (reason and outcome needed)' : s.reasonRequired ? ' (reason needed)' : ''}
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
