/**
 * One report (/reports/:id) for the investigator: its content (every read is
 * audited by the server), grading, notes, the status workflow, referral and
 * release, the attached files (each opened by an audited read), the verified history and the audited caller reveal; "Claim" for
 * an unclaimed report the viewer may claim; and, for whoever may erase (the
 * policy's eraseReport), erasure with the same typed confirmation as in the
 * supervisor queue. Forms the report can no longer take (a closed report's
 * grading, notes, corrections) are not shown: the server's state machine
 * says which it takes (availableActions, nextSteps). The server is the
 * authority on who may do what; a CONFLICT reloads the report with a clear
 * message; a report the user may not read says so, and nothing else.
 * "Open link chart" leads to its chart and timeline (screens/chart/). An
 * investigator may confirm a possible link or mark it wrong, and link the
 * report to another they may read (desk/LinkReview.tsx).
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, plainMessage, request } from '../api/client';
import { useSession } from '../session/session';
import { ErrorMessage, Loading, Notice } from '../ui/ui';
import { GradingForm } from './desk/GradingForm';
import { HistoryPanel } from './desk/HistoryPanel';
import { CLAIM, REPORT } from './desk/operations';
import { ReportDetails } from './desk/ReportDetails';
import { ResearchNotes } from './desk/ResearchNotes';
import { FollowUps } from './desk/FollowUps';
import { Attachments } from './desk/Attachments';
import { RevealCaller } from './desk/RevealCaller';
import { Corrections } from './desk/Corrections';
import type { Act } from './desk/types';
import { Workflow } from './desk/Workflow';
import { ReportActionDialog } from './oversight/ReportActionDialog';
import { LinkReviewDialog, type LinkReviewOp } from './desk/LinkReview';

const CONFLICT_TEXT = 'Someone else claimed or changed this report first. It has been reloaded: check what changed and try again.';

export function ReportPage() {
  const { id = '' } = useParams();
  const { session, can } = useSession();
  const [claiming, setClaiming] = useState(false);
  const [claimError, setClaimError] = useState<string | null>(null);
  const [erasing, setErasing] = useState(false);
  const navigate = useNavigate();
  const [notice, setNotice] = useState<string | null>(null);
  // Kept with the report it was opened on: going to another report (Back, a link) closes the dialog, and what was
  // typed stays kept for its pair (LinkReview.tsx), to come back when the same action is opened there again.
  const [reviewingOn, setReviewingOn] = useState<{ on: string; action: LinkReviewOp } | null>(null);
  const reviewing = reviewingOn?.on === id ? reviewingOn.action : null;
  if (reviewingOn && reviewingOn.on !== id) setReviewingOn(null); // left: not reopened on coming back
  const setReviewing = (action: LinkReviewOp | null) => setReviewingOn(action ? { on: id, action } : null);
  // gcTime 0: the content is dropped from memory as soon as the page is left.
  const query = useQuery({ queryKey: ['report', id], queryFn: () => request(REPORT, { id }), gcTime: 0, retry: false });

  const act: Act = async (done, run, opts) => {
    setNotice(null);
    try {
      await run();
      if (opts?.leave) {
        navigate('/desk', { state: { notice: done } });
        return null;
      }
      await query.refetch();
      setNotice(done);
      return null;
    } catch (e) {
      const conflict = e instanceof ApiError && e.code === 'CONFLICT';
      if (conflict || (e instanceof ApiError && (e.code === 'FORBIDDEN' || e.code === 'NOT_FOUND'))) await query.refetch();
      return conflict ? CONFLICT_TEXT : plainMessage(e);
    }
  };

  if (query.isPending) return <Loading what="Opening the report" />;
  const denied = query.error instanceof ApiError && (query.error.code === 'FORBIDDEN' || query.error.code === 'NOT_FOUND');
  if (denied || (query.isSuccess && !query.data.report)) {
    return (
      <section aria-labelledby="report-title">
        <h1 id="report-title">You cannot open this report</h1>
        <div className="alert error" role="alert">
          <p>It does not exist, or it belongs to a desk you do not work on. If you need it, ask the duty supervisor.</p>
        </div>
        <p>
          <Link to="/desk">Back to the desk queue</Link>
        </p>
      </section>
    );
  }
  if (query.isError) {
    return (
      <section aria-labelledby="report-title">
        <h1 id="report-title">Report</h1>
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      </section>
    );
  }

  const report = query.data.report!;
  const user = session?.user;
  const holds = !!user && (report.assignee === user.id || user.roles.includes('SUPERVISOR'));
  const takes = (action: (typeof report.availableActions)[number]) => report.availableActions.includes(action);
  const canClaim = !report.assignee && takes('CLAIM') && can('claimReport');
  const claim = async () => {
    setClaiming(true);
    setClaimError(await act('You hold this report now.', () => request(CLAIM, { id: report.id })));
    setClaiming(false);
  };
  return (
    <>
      <section aria-labelledby="report-title">
        <p>
          <Link to="/desk">← Desk queue</Link>
        </p>
        <h1 id="report-title">
          Report <span className="mono report-ref">{report.reference}</span>
        </h1>
        <p className="subtitle">
          {report.status === 'CLOSED'
            ? 'This report is closed: it takes no more grading, notes or workflow steps. A supervisor may reopen it.'
            : report.assignee === user?.id
              ? 'You hold this report.'
              : report.assignee
                ? `${report.assigneeName ?? 'Another investigator'} holds this report${holds ? '; as a supervisor you may change it.' : ': you may read it but not change it.'}`
                : canClaim
                  ? 'Nobody holds this report: claim it to work on it.'
                  : 'Nobody holds this report.'}{' '}
          Opening it was recorded in the audit log.
        </p>
        <Notice message={notice} />
        {canClaim && (
          <div className="actions">
            <button type="button" className="primary" disabled={claiming} onClick={() => void claim()}>
              {claiming ? 'Claiming…' : 'Claim this report'}
            </button>
          </div>
        )}
        {claimError && (
          <div className="alert error" role="alert">
            <p>{claimError}</p>
          </div>
        )}
        <ReportDetails
          report={report}
          review={{ confirm: can('confirmLink'), wrong: can('markLinkWrong'), open: setReviewing }}
          linkActions={
            can('proposeLink') && report.status !== 'ERASED' ? (
              <div className="actions">
                <button type="button" onClick={() => setReviewing({ op: 'propose' })}>
                  Link to another report
                </button>
                <span className="hint">When you judge another report you may read is about the same people or events.</span>
              </div>
            ) : null
          }
        />
        <LinkReviewDialog report={report} action={reviewing} act={act} onClose={() => setReviewing(null)} />
        {can('reportNeighbourhood') && (
          <p>
            <Link to={`/reports/${report.id}/chart`} className="button">
              Open link chart
            </Link>{' '}
            <span className="hint">The reports linked to this one, what they share, and their timeline.</span>
          </p>
        )}
      </section>
      {holds && <Workflow report={report} act={act} />}
      <GradingForm key={`g${report.version}`} report={report} canAct={holds && takes('GRADE')} act={act} />
      <ResearchNotes report={report} canAct={holds && takes('ADD_NOTE')} act={act} />
      <FollowUps report={report} canAsk={holds && takes('ADD_NOTE')} act={act} />
      <Attachments report={report} canAdd={holds && report.status !== 'CLOSED' && can('attachEvidence')} act={act} />
      <Corrections report={report} supervisor={!!user?.roles.includes('SUPERVISOR')} holds={holds} act={act} />
      <RevealCaller report={report} />
      <HistoryPanel report={report} />
      {can('eraseReport') && report.availableActions.includes('ERASE') && (
        <section aria-labelledby="erase-title">
          <h2 id="erase-title">Erase this report</h2>
          <p className="hint">Destroys its content and key for good (a malicious or mistaken report); its history stays. You will be asked for a reason and to type the reference.</p>
          <button type="button" className="danger" onClick={() => setErasing(true)}>
            Erase {report.reference}
          </button>
          {erasing && (
            <ReportActionDialog
              kind="erase"
              report={report}
              retryTriage={false}
              onClose={() => setErasing(false)}
              onDone={(message) => navigate('/desk', { state: { notice: message } })}
              onConflict={() => void query.refetch()}
            />
          )}
        </section>
      )}
    </>
  );
}
