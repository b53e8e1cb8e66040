/**
 * "My submissions": the calls the signed-in handler recorded in the last 24
 * hours, with reference, minute received, a coarse status and categories:
 * the server's submission view, which carries no content and nothing of the
 * desk work (no desk, links, grading or assignee); and the follow-up calls
 * they recorded, with reference and time only. "Attach a file" sends what a
 * caller e-mailed after ringing to one of these calls (`attachToCall`); the
 * handler sees the type and size of what they attached, never the file back.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { request, upload } from '../api/client';
import { graphql } from '../gql';
import type { MyFollowUpsQuery, MySubmissionsQuery, PartnerReferralState } from '../gql/graphql';
import { DataTable, type Column } from '../ui/DataTable';
import { QueryState, formatTime } from '../ui/ui';
import { AttachFile, formatSize, TYPE_WORDS } from './desk/AttachFile';
import { CATEGORY_LABELS } from './intake/model';

const MY_SUBMISSIONS = graphql(`
  query MySubmissions {
    mySubmissions {
      reference
      receivedAt
      status
      categories
      imminentThreat
      filesAttached {
        type
        size
      }
    }
  }
`);

const ATTACH_TO_CALL = graphql(`
  mutation AttachToCall($reference: String!, $file: File!) {
    attachToCall(reference: $reference, file: $file) {
      type
      size
    }
  }
`);

const MY_FOLLOW_UPS = graphql(`
  query MyFollowUps {
    myFollowUps {
      reference
      recordedAt
    }
  }
`);

type Submission = MySubmissionsQuery['mySubmissions'][number];
type FollowUp = MyFollowUpsQuery['myFollowUps'][number];

/** The coarse status the server gives a submitter, in words. */
const COARSE_STATUS: Record<PartnerReferralState, string> = {
  RECEIVED: 'Received',
  UNDER_REVIEW: 'With an investigator',
  CLOSED: 'Closed',
};

/** The files a handler attached, as they may know them: count, type and size. */
const filesWords = (files: readonly { type: string; size: number }[]) =>
  files.length === 0 ? 'None' : `${files.length}: ${files.map((f) => `${TYPE_WORDS[f.type]?.words ?? f.type}, ${formatSize(f.size)}`).join('; ')}`;

export function MySubmissions() {
  const query = useQuery({ queryKey: ['mySubmissions'], queryFn: () => request(MY_SUBMISSIONS) });
  const queryClient = useQueryClient();
  const [attaching, setAttaching] = useState<string | null>(null);
  const [received, setReceived] = useState<string | null>(null);
  const attachButton = (reference: string) => (
    <button
      type="button"
     
      aria-label={`Attach a file to ${reference}`}
      onClick={() => {
        setReceived(null);
        setAttaching(reference);
      }}
    >
      Attach a file
    </button>
  );
  const columns: Column<Submission>[] = [
    {
      header: 'Reference',
      className: 'mono',
      cell: (r) => (
        <>
          {r.reference}
          {r.imminentThreat && <span className="badge P1 imminent-badge">Imminent</span>}
        </>
      ),
    },
    { header: 'Received', cell: (r) => formatTime(r.receivedAt) },
    { header: 'Status', cell: (r) => COARSE_STATUS[r.status] },
    { header: 'Categories', cell: (r) => r.categories.map((c) => CATEGORY_LABELS[c]).join(', ') },
    { header: 'Files you attached', cell: (r) => filesWords(r.filesAttached) },
    { header: 'Action', cell: (r) => attachButton(r.reference) },
  ];
  return (
    <section aria-labelledby="my-submissions">
      <h1 id="my-submissions">My submissions</h1>
      <p className="hint">Calls you recorded in the last 24 hours. Their content is not shown here.</p>
      <div className="actions">
        <button type="button" onClick={() => void Promise.all([query.refetch(), queryClient.invalidateQueries({ queryKey: ['myFollowUps'] })])} disabled={query.isFetching}>
          {query.isFetching && !query.isLoading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <QueryState
        query={query}
        loading="Loading your submissions"
        isEmpty={(d) => d.mySubmissions.length === 0}
        empty={
          <>
            You have recorded no calls in the last 24 hours. <Link to="/call">Record a call</Link>
          </>
        }
      >
        {(d) => <DataTable caption="Your submissions, newest first" captionHidden rows={d.mySubmissions} rowKey={(r) => r.reference} columns={columns} />}
      </QueryState>
      {received && (
        <div className="alert ok" role="status">
          <p>{received}</p>
        </div>
      )}
      {attaching && (
        <AttachToCall
          reference={attaching}
          onCancel={() => setAttaching(null)}
          onDone={(words) => {
            setAttaching(null);
            setReceived(words);
            void query.refetch();
          }}
        />
      )}
      <MyFollowUps attachButton={attachButton} />
    </section>
  );
}

/** "Attach a file" to one call: what happens to the file is said before it is sent. */
function AttachToCall({ reference, onCancel, onDone }: { reference: string; onCancel: () => void; onDone: (words: string) => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [reference]);
  return (
    <section className="panel" aria-labelledby="attach-title">
      <h2 id="attach-title" tabIndex={-1} ref={heading}>
        Attach a file to <span className="mono">{reference}</span>
      </h2>
      <p className="hint">
        Before the file is stored, its location, camera or phone details and times are removed (from a PDF, its author and document details). You cannot view it again
        here: you see its type and size.
      </p>
      <AttachFile
        label="Photo, screenshot or PDF the caller sent"
        hint="JPEG, PNG, WebP or PDF."
        button="Attach file"
        send={async (file) => {
          const { attachToCall } = await upload(ATTACH_TO_CALL, { reference }, file);
          onDone(`File received on ${reference}: ${TYPE_WORDS[attachToCall.type]?.words ?? attachToCall.type}, ${formatSize(attachToCall.size)}.`);
          return null;
        }}
      />
      <div className="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </section>
  );
}

/** The follow-up calls the handler recorded: reference and time only, since the report is usually someone else's (nothing of its state). */
function MyFollowUps({ attachButton }: { attachButton: (reference: string) => ReactNode }) {
  const query = useQuery({ queryKey: ['myFollowUps'], queryFn: () => request(MY_FOLLOW_UPS) });
  const columns: Column<FollowUp>[] = [
    { header: 'Reference', className: 'mono', cell: (r) => r.reference },
    { header: 'Recorded', cell: (r) => formatTime(r.recordedAt) },
    { header: 'Action', cell: (r) => attachButton(r.reference) },
  ];
  return (
    <>
      <h2 id="my-follow-ups">Follow-up calls</h2>
      <p className="hint">Follow-up calls you recorded in the last 24 hours, on any reference. Nothing of the report is shown here.</p>
      <QueryState
        query={query}
        loading="Loading your follow-up calls"
        isEmpty={(d) => d.myFollowUps.length === 0}
        empty={
          <>
            You have recorded no follow-up calls in the last 24 hours. <Link to="/follow-up">Record a follow-up call</Link>
          </>
        }
      >
        {(d) => (
          <DataTable caption="Your follow-up calls, newest first" captionHidden rows={d.myFollowUps} rowKey={(r) => `${r.reference} ${r.recordedAt}`} columns={columns} />
        )}
      </QueryState>
    </>
  );
}
