/**
 * The foot of a call form, kept in view while the handler types (sticky):
 * the call timer, whether the call is recorded yet, and the one button. When
 * the server has not answered within the client's own deadline the bar says
 * plainly that the call is not recorded yet and offers Retry, which sends the
 * same idempotency key (a call can never be recorded twice); the first
 * attempt, should it land later, is the same call.
 */
import { ApiError } from '../../api/client';
import { clock } from '../../session/drafts';
import { ErrorMessage } from '../../ui/ui';
import { useNow } from '../../ui/useNow';

/** How long the handler waits for an answer before being told the call is not recorded yet. */
export const CLIENT_DEADLINE_MS = 10_000;

/** Failures after which sending the same call again is the right thing to do. */
export const RETRYABLE = new Set(['NETWORK', 'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'RATE_LIMITED']);

export type SendPhase = { state: 'idle' } | { state: 'sending'; since: number } | { state: 'slow'; since: number } | { state: 'failed'; error: unknown };

export function SubmitBar({
  phase,
  startedAt,
  label,
  onRetry,
  conflictText,
}: {
  phase: SendPhase;
  /** The call timer's start (first key press), or null before. */
  startedAt: number | null;
  /** The button's words ("Record the call"). */
  label: string;
  onRetry: () => void;
  /** What a CONFLICT means for this form. */
  conflictText: string;
}) {
  const now = useNow();
  const busy = phase.state === 'sending' || phase.state === 'slow';
  const error = phase.state === 'failed' ? phase.error : null;
  const code = error instanceof ApiError ? error.code : 'INTERNAL_SERVER_ERROR';
  return (
    <div className="submit-bar">
      <div className="submit-status">
        {phase.state === 'slow' ? (
          <div className="alert error" role="alert">
            <p>
              <strong>Not recorded yet.</strong> The server has not answered for {Math.round((now - phase.since) / 1000)} seconds. Do not tell the caller it is recorded.
              Nothing you typed is lost.
            </p>
            <button type="button" onClick={onRetry}>
              Retry
            </button>
          </div>
        ) : error ? (
          code === 'CONFLICT' ? (
            <div className="alert error" role="alert">
              <p>{conflictText}</p>
            </div>
          ) : code === 'BAD_USER_INPUT' ? (
            <div className="alert error" role="alert">
              <p>The server did not accept part of the call: the field is marked. Correct it and record the call again.</p>
            </div>
          ) : (
            <>
              <ErrorMessage error={error} onRetry={RETRYABLE.has(code) ? onRetry : undefined} />
              {RETRYABLE.has(code) && <p className="hint">Not recorded yet. Retry sends the same call: it cannot be recorded twice.</p>}
            </>
          )
        ) : (
          <p className="hint" role="status">
            {busy ? 'Recording… do not tell the caller it is recorded until the reference shows.' : 'The call is encrypted and sent to triage as soon as it is recorded.'}
          </p>
        )}
      </div>
      <div className="submit-actions">
        {startedAt !== null && (
          <span className="call-timer" title="Call length since the first key press">
            Call <time>{clock((now - startedAt) / 1000)}</time>
          </span>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Recording…' : label}
        </button>
      </div>
    </div>
  );
}
