/** The signed-in user's second factor: whether it is set up and how many recovery codes are left, and setting one up when it is not. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../../api/client';
import { Notice, QueryState } from '../../ui/ui';
import { MfaEnrolment } from './Enrolment';
import { MY_SECOND_FACTOR } from './operations';

export function SecondFactor() {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ['mySecondFactor'], queryFn: () => request(MY_SECOND_FACTOR) });
  const [enrolling, setEnrolling] = useState(false);
  const [done, setDone] = useState(false);
  return (
    <section aria-labelledby="mfa-title">
      <h2 id="mfa-title">Second factor</h2>
      <Notice message={done ? 'Your authenticator app is set up: sign-ins now ask for a code from it.' : null} />
      <QueryState query={query} loading="Loading your second factor">
        {({ mySecondFactor: f }) =>
          f.enrolled ? (
            <>
              <p>An authenticator app is set up for your account. You have {f.recoveryCodesLeft} unused recovery {f.recoveryCodesLeft === 1 ? 'code' : 'codes'}.</p>
              {f.recoveryCodesLeft <= 3 && (
                <div className="alert warn">
                  <p>Few recovery codes are left. If you lose your phone, an administrator must reset your second factor before you can set it up again.</p>
                </div>
              )}
              <p className="hint">Lost your phone? Ask an administrator to reset your second factor; you then set up a new one at your next sign-in.</p>
            </>
          ) : enrolling ? (
            <MfaEnrolment
              onDone={() => {
                setEnrolling(false);
                setDone(true);
                void queryClient.invalidateQueries({ queryKey: ['mySecondFactor'] });
              }}
              onCancel={() => setEnrolling(false)}
            />
          ) : (
            <>
              <p>
                No second factor is set up. {f.required ? 'Your role requires one: set it up now.' : 'Setting one up protects your account if your password leaks.'}
              </p>
              <div className="actions">
                <button type="button" className="primary" onClick={() => setEnrolling(true)}>
                  Set up an authenticator app
                </button>
              </div>
            </>
          )
        }
      </QueryState>
    </section>
  );
}
