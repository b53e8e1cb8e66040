/**
 * The supervisor's actions on one report, each in a dialog with a stated
 * reason: reassign to an investigator chosen from the desk's people (each
 * with how many reports they hold now), reopen (or retry triage), and erase,
 * which needs the report's reference typed exactly before it can run. Used
 * by the supervisor queue and by the report page.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, request } from '../../api/client';
import { graphql } from '../../gql';
import type { Desk } from '../../gql/graphql';
import { Dialog, DialogButtons, ErrorMessage, Loading, Select, TextArea, TextField } from '../../ui/ui';
import { isFieldError, serverFieldError } from './forms';

const DESK_PEOPLE = graphql(`
  query DeskPeople($desk: Desk!) {
    deskPeople(desk: $desk) { userId username held }
  }
`);

/** What the dialog needs of a report: which one, and its desk (whose people it may be reassigned to). */
export interface ActionTarget {
  id: string;
  reference: string;
  desk?: Desk | null;
}

const REASSIGN = graphql(`
  mutation SupervisorReassign($id: ID!, $toUsername: String!, $reason: String!) {
    reassignReport(id: $id, toUsername: $toUsername, reason: $reason) { id reference status }
  }
`);
const REOPEN = graphql(`
  mutation SupervisorReopen($id: ID!, $reason: String!) {
    reopenReport(id: $id, reason: $reason) { id reference status }
  }
`);
const ERASE = graphql(`
  mutation SupervisorErase($id: ID!, $reason: String!) {
    eraseReport(id: $id, reason: $reason) { id reference status }
  }
`);

export type ReportAction = 'reassign' | 'reopen' | 'erase';

const REASON_MIN = 3;

interface Props {
  kind: ReportAction;
  report: ActionTarget;
  /** The report is waiting for triage or failed it: "reopen" sends it back to triage. */
  retryTriage: boolean;
  onClose(): void;
  onDone(message: string): void;
  /** Someone else changed the report first: the queue is reloaded. */
  onConflict(): void;
}

export function ReportActionDialog({ kind, report, retryTriage, onClose, onDone, onConflict }: Props) {
  const [reason, setReason] = useState('');
  const [username, setUsername] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [localError, setLocalError] = useState<{ reason?: string; username?: string }>({});

  const mutation = useMutation({
    mutationFn: async () => {
      const why = reason.trim();
      if (kind === 'reassign') return (await request(REASSIGN, { id: report.id, toUsername: username.trim(), reason: why })).reassignReport;
      if (kind === 'reopen') return (await request(REOPEN, { id: report.id, reason: why })).reopenReport;
      return (await request(ERASE, { id: report.id, reason: why })).eraseReport;
    },
    onSuccess: (r) => {
      const verb = kind === 'reassign' ? `reassigned to ${username.trim().toLowerCase()}` : kind === 'erase' ? 'erased: its content and key are destroyed' : retryTriage ? 'sent back to triage' : 'reopened';
      onDone(`${r.reference} ${verb}.`);
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === 'CONFLICT') onConflict();
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errors: typeof localError = {};
    if (reason.trim().length < REASON_MIN) errors.reason = `Give a reason (at least ${REASON_MIN} characters)`;
    if (kind === 'reassign' && !username.trim()) errors.username = 'Choose who takes the report';
    setLocalError(errors);
    if (Object.keys(errors).length === 0) mutation.mutate();
  };

  const confirmed = confirmation.trim() === report.reference;
  const title = kind === 'reassign' ? `Reassign ${report.reference}` : kind === 'erase' ? `Erase ${report.reference}` : retryTriage ? `Retry triage of ${report.reference}` : `Reopen ${report.reference}`;
  const fieldErr = isFieldError(mutation.error, ['reason', 'toUsername']);

  return (
    <Dialog open title={title} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        {kind === 'erase' && (
          <div className="alert error">
            <p>
              <strong>This cannot be undone.</strong> The report's content and its key are destroyed; only a tombstone with its history remains.
            </p>
          </div>
        )}
        {kind === 'reassign' && (
          <ReassignTo desk={report.desk ?? null} value={username} onChange={setUsername} error={localError.username ?? serverFieldError(mutation.error, 'toUsername')} />
        )}
        <TextArea
          label="Reason"
          hint="Recorded in the report's history and the audit log"
          rows={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          error={localError.reason ?? serverFieldError(mutation.error, 'reason')}
        />
        {kind === 'erase' && (
          <TextField
            label={`Type the reference ${report.reference} to confirm`}
            autoComplete="off"
            spellCheck={false}
            value={confirmation}
            onChange={(e) => setConfirmation(e.target.value)}
          />
        )}
        {!fieldErr && <ErrorMessage error={mutation.error} />}
        {kind === 'erase' ? (
          <DialogButtons submit kind="danger" label="Erase" busyLabel="Erasing…" busy={mutation.isPending} disabled={!confirmed} onCancel={onClose} />
        ) : (
          <DialogButtons submit label={kind === 'reassign' ? 'Reassign' : retryTriage ? 'Retry triage' : 'Reopen'} busyLabel="Saving…" busy={mutation.isPending} onCancel={onClose} />
        )}
      </form>
    </Dialog>
  );
}

/** The desk's investigators, fewest reports held first, to choose from (instead of typing a username from memory). */
function ReassignTo({ desk, value, onChange, error }: { desk: Desk | null; value: string; onChange(username: string): void; error: string | undefined }) {
  const people = useQuery({ queryKey: ['deskPeople', desk], queryFn: () => request(DESK_PEOPLE, { desk: desk! }), enabled: !!desk, gcTime: 0 });
  if (!desk) return <p>This report is on no desk: send it back to triage first.</p>;
  if (people.isLoading) return <Loading what={`Loading the ${desk} desk's investigators`} />;
  if (people.error) return <ErrorMessage error={people.error} onRetry={() => void people.refetch()} />;
  const list = people.data?.deskPeople ?? [];
  if (list.length === 0) return <p>The {desk} desk has no active investigator. Refer the report to the other desk, or ask an admin.</p>;
  const holds = (n: number) => (n === 0 ? 'holds no report' : n === 1 ? 'holds 1 report' : `holds ${n} reports`);
  return (
    <Select
      label="Reassign to"
      hint={`An investigator of the ${desk} desk, with how many reports each holds now`}
      placeholder="Choose an investigator…"
      options={list.map((p) => ({ value: p.username, label: `${p.username} (${holds(p.held)})` }))}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
    />
  );
}
