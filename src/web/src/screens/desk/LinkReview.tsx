/**
 * An investigator's judgement on links (issue 26, "Links that say why"):
 * confirm a possible link (names that only sound alike) as the same person,
 * mark it wrong, or link this report to another they may read by its
 * reference. Each is a small dialog with a required reason, an error summary
 * ("There is a problem") for an empty field or the server's refusal in
 * words, one primary action and Cancel; the action is sent once however
 * often it is clicked. The server decides who may do what (proposeLink,
 * confirmLink, markLinkWrong in src/auth/policy.ts, and both reports must be
 * readable: reports/desk/link-review.ts); the page only offers what the
 * viewer's role may call (`can`).
 *
 * What is typed is kept for the pair (session/drafts.tsx notes, in this
 * tab's memory only): an investigator who goes to another screen and comes
 * back to the same action on the same pair finds the reason (and the other
 * report's reference) again, until it is sent or cancelled. A request that
 * fails (the server refused, or could not be reached) keeps it too, to
 * correct or to send again.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, plainMessage, request } from '../../api/client';
import { useDrafts } from '../../session/drafts';
import { Dialog, DialogButtons, TextArea, TextField } from '../../ui/ui';
import { FIND_BY_REFERENCE } from './corrections-ops';
import { CONFIRM_LINK, MARK_LINK_WRONG, PROPOSE_LINK } from './link-review-ops';
import type { Act, ReportData } from './types';

/** What the dialog does: to a linked report (confirm, wrong), or to a report the investigator names (propose). */
export type LinkReviewOp = { op: 'confirm' | 'wrong'; reportId: string; reference: string } | { op: 'propose' };

const TITLES = { confirm: 'Confirm possible link', wrong: 'Mark possible link as wrong', propose: 'Link to another report' } as const;
const LABELS = { confirm: 'Confirm link', wrong: 'Mark as wrong', propose: 'Link reports' } as const;
const DONE = {
  confirm: 'Link confirmed. It is shown as linked by you to whoever may read both reports.',
  wrong: 'The possible link was marked as wrong and removed. A later triage will not bring it back.',
  propose: 'Reports linked. The link is shown as linked by you to whoever may read both reports.',
} as const;

/** A report's ATH reference (as reportByReference accepts it); anything else is taken as a report id. */
const REFERENCE = /^[A-Za-z]{2,8}-\d{4}-\d{1,12}$/;

/** The server's refusal in words for this dialog (the rest as the console says it everywhere). */
function wordsFor(error: unknown, op: LinkReviewOp['op']): string {
  if (!(error instanceof ApiError)) return plainMessage(error);
  switch (error.code) {
    case 'BAD_USER_INPUT':
      return `This cannot be done. ${error.message.replace(/\.$/, '')}.`;
    case 'NOT_FOUND':
      return op === 'propose'
        ? 'No report you may read has that reference or id. Check it; a report held by a desk you do not work on cannot be linked from here: ask the duty supervisor.'
        : 'One of the two reports no longer exists or you may no longer read it. The report has been reloaded.';
    case 'FORBIDDEN':
      return 'Your role does not allow this. A supervisor can link or unlink any reports.';
    case 'CONFLICT':
      return 'Someone else changed one of these reports first. It has been reloaded: check its links and try again.';
    default:
      return plainMessage(error);
  }
}

export function LinkReviewDialog({ report, action, act, onClose }: { report: ReportData; action: LinkReviewOp | null; act: Act; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [other, setOther] = useState('');
  const [problems, setProblems] = useState<{ field: 'reason' | 'other' | null; text: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);
  const summary = useRef<HTMLDivElement>(null);
  const ids = { reason: useId(), other: useId() };
  const drafts = useDrafts();
  /** The note's key: the action and the pair (a proposal from this report keeps one). */
  const key = action ? `link-review:${action.op}:${report.id}:${action.op === 'propose' ? '' : action.reportId}` : null;

  useEffect(() => {
    if (problems.length) summary.current?.focus();
  }, [problems]);

  // Opening an action on a pair brings back what was typed for it and not sent.
  useEffect(() => {
    if (!key) return;
    const kept = drafts.getNote(key);
    setReason(kept?.reason ?? '');
    setOther(kept?.other ?? '');
    setProblems([]);
  }, [key]);

  const keep = (fields: { reason: string; other: string }) => {
    if (key) drafts.putNote(key, fields);
  };

  /** Cancelled or sent: the typed reason is forgotten. */
  const close = () => {
    if (key) drafts.putNote(key, null);
    setReason('');
    setOther('');
    setProblems([]);
    onClose();
  };
  if (!action) return <Dialog open={false} title="" onClose={close}>{null}</Dialog>;
  const op = action.op;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (sending.current) return; // a second click while the first is on its way sends nothing
    const missing = [
      ...(op === 'propose' && !other.trim() ? [{ field: 'other' as const, text: 'Enter the reference of the other report' }] : []),
      ...(!reason.trim() ? [{ field: 'reason' as const, text: 'Enter a reason' }] : []),
    ];
    setProblems(missing);
    if (missing.length) return;
    sending.current = true;
    setBusy(true);
    let caught: unknown = null;
    const failed = await act(DONE[op], async () => {
      try {
        if (op === 'propose') {
          const wanted = other.trim();
          const id = REFERENCE.test(wanted) ? (await request(FIND_BY_REFERENCE, { reference: wanted })).reportByReference?.id : wanted;
          if (!id) throw new ApiError('NOT_FOUND', 'Report not found');
          return await request(PROPOSE_LINK, { a: report.id, b: id, reason });
        }
        const pair = { a: report.id, b: action.reportId, reason };
        return op === 'confirm' ? await request(CONFIRM_LINK, pair) : await request(MARK_LINK_WRONG, pair);
      } catch (err) {
        caught = err;
        throw err;
      }
    });
    sending.current = false;
    setBusy(false);
    if (failed) setProblems([{ field: op === 'propose' && caught instanceof ApiError && caught.code === 'NOT_FOUND' ? 'other' : null, text: caught ? wordsFor(caught, op) : failed }]);
    else close();
  };

  const errorOf = (field: 'reason' | 'other') => problems.find((p) => p.field === field)?.text;
  return (
    <Dialog open title={op === 'propose' ? TITLES.propose : `${TITLES[op]} to ${action.reference}`} onClose={close}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {problems.length > 0 && (
          <div className="alert error error-summary" role="alert" tabIndex={-1} ref={summary} aria-labelledby={`${ids.reason}-summary`}>
            <h3 id={`${ids.reason}-summary`}>There is a problem</h3>
            <ul>
              {problems.map((p) => (
                <li key={p.text}>
                  {p.field ? (
                    <a
                      href={`#${ids[p.field]}`}
                      onClick={(ev) => {
                        ev.preventDefault();
                        document.getElementById(ids[p.field!])?.focus();
                      }}
                    >
                      {p.text}
                    </a>
                  ) : (
                    p.text
                  )}
                </li>
              ))}
            </ul>
          </div>
        )}
        {op === 'confirm' && <p>The names only sound alike. Confirm it if you judge both reports are about the same person: the link then counts as confirmed, by you.</p>}
        {op === 'wrong' && <p>The names only sound alike. Mark it as wrong if they are different people: the link is removed from both reports.</p>}
        {op === 'propose' && (
          <>
            <p>Both reports must be ones you may read. The link is shown on both, as linked by you.</p>
            <TextField
              id={ids.other}
              label="Reference of the other report"
              hint="For example ATH-2026-000123 (or its id)"
              value={other}
              onChange={(e) => {
                setOther(e.target.value);
                keep({ reason, other: e.target.value });
              }}
              error={errorOf('other')}
              autoComplete="off"
              spellCheck={false}
            />
          </>
        )}
        <TextArea
          id={ids.reason}
          label="Reason"
          hint="Why you judge so. Kept sealed with both reports and recorded in their history."
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            keep({ reason: e.target.value, other });
          }}
          error={errorOf('reason')}
          rows={3}
        />
        <DialogButtons submit label={LABELS[op]} busyLabel="Saving…" busy={busy} kind={op === 'wrong' ? 'danger' : 'primary'} onCancel={close} />
      </form>
    </Dialog>
  );
}
