/** The signed-in user's sessions (this one marked), each other one can be ended; a session ended elsewhere is signed out at its next request. */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../../api/client';
import { ConfirmDialog, Notice, QueryState, formatTime } from '../../ui/ui';
import { END_MY_SESSION, MY_SESSIONS } from './operations';

export const MY_SESSIONS_KEY = ['mySessions'] as const;

export function MySessions() {
  const query = useQuery({ queryKey: MY_SESSIONS_KEY, queryFn: () => request(MY_SESSIONS) });
  const [target, setTarget] = useState<string | null>(null);
  // Its own flag: closing the dialog forgets the mutation's state.
  const [ended, setEnded] = useState(false);
  const end = useMutation({
    mutationFn: (id: string) => request(END_MY_SESSION, { id }),
    onSuccess: () => {
      setEnded(true);
      setTarget(null);
      void query.refetch();
    },
  });
  const sessions = query.data?.mySessions ?? [];
  const chosen = sessions.find((s) => s.id === target);
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">My sessions</h2>
      <p className="hint">Every place you are signed in to the console or the API. End any you do not recognise, then change your password.</p>
      <Notice message={ended ? 'The session was ended.' : null} />
      <QueryState query={query} loading="Loading your sessions" isEmpty={(d) => d.mySessions.length === 0} empty="No sessions.">
        {(d) => (
          <div className="table-wrap">
            <table className="sessions">
              <caption className="sr-only">Your sessions</caption>
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  <th scope="col">Signed in</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.mySessions.map((s) => (
                  <tr key={s.id} className={s.current ? 'current' : undefined}>
                    <th scope="row">{s.current ? <strong>This session</strong> : 'Another session'}</th>
                    <td>{formatTime(s.createdAt)}</td>
                    <td>{formatTime(s.expiresAt)}</td>
                    <td>
                      {s.current ? (
                        <span className="hint">Sign out to end it</span>
                      ) : (
                        <button type="button" className="danger" onClick={() => {
                            setEnded(false);
                            setTarget(s.id);
                          }} aria-label={`End session signed in ${formatTime(s.createdAt)}`}>
                          End session
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      <ConfirmDialog
        open={Boolean(chosen)}
        title="End this session?"
        action={end}
        labels={{ confirm: 'End session', busy: 'Ending…' }}
        onConfirm={() => chosen && end.mutate(chosen.id)}
        onClose={() => setTarget(null)}
      >
        <p>Whoever uses the session signed in {chosen ? formatTime(chosen.createdAt) : ''} is signed out at their next action.</p>
      </ConfirmDialog>
    </section>
  );
}
