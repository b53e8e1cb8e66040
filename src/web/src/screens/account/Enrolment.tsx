/**
 * Setting up an authenticator app (TOTP), used at sign-in (with the
 * enrolment ticket the sign-in answered with) and on the Account screen
 * (signed in, no ticket): scan the QR code or type the key, confirm with a
 * first code, then read the recovery codes, shown this once. The seed and
 * the codes live in this component's memory only and go when it unmounts.
 */
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, plainMessage, request } from '../../api/client';
import { AlertText, Checkbox, ErrorMessage, Loading, TextField } from '../../ui/ui';
import { BEGIN_MFA_ENROLMENT, CONFIRM_MFA_ENROLMENT } from './operations';

/** The QR code as an image: an SVG in an <img> cannot run script, and the CSP allows data: images. */
const svgDataUrl = (svg: string) => `data:image/svg+xml;base64,${btoa(svg)}`;
/** The base32 key in groups of four, easier to read and type. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

export function MfaEnrolment({ ticket, onDone, onCancel }: { ticket?: string; onDone(): void; onCancel?(): void }) {
  const enrolmentTicket = ticket ?? null;
  const begin = useMutation({ mutationFn: () => request(BEGIN_MFA_ENROLMENT, { enrolmentTicket }) });
  const confirm = useMutation({ mutationFn: (code: string) => request(CONFIRM_MFA_ENROLMENT, { code, enrolmentTicket }) });
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    begin.mutate();
  }, [begin]);

  if (confirm.data) return <RecoveryCodes codes={confirm.data.confirmMfaEnrolment.recoveryCodes} onDone={onDone} />;
  if (begin.isPending || begin.isIdle) return <Loading what="Preparing your authenticator set-up" />;
  if (!begin.data) {
    return (
      <>
        <ErrorMessage error={begin.error} onRetry={() => begin.mutate()} />
        <CancelButton onCancel={onCancel} />
      </>
    );
  }
  const { secret, qrSvg } = begin.data.beginMfaEnrolment;
  return (
    <div className="mfa-enrol">
      <h2>Set up your authenticator app</h2>
      <ol className="steps">
        <li>Open an authenticator app on your work phone (for example one approved by your force).</li>
        <li>
          Scan this QR code with it:
          <img className="mfa-qr" src={svgDataUrl(qrSvg)} alt="QR code holding your authenticator key (the same key is written below)" width={200} height={200} />
          <span className="hint">If you cannot scan it, choose to enter a key in the app and type this key (spaces do not matter):</span>
          <code className="mfa-secret mono" aria-label="Authenticator key">
            {grouped(secret)}
          </code>
        </li>
        <li>Enter the 6-digit code the app now shows.</li>
      </ol>
      <ConfirmForm confirm={confirm} onCancel={onCancel} />
    </div>
  );
}

function ConfirmForm({ confirm, onCancel }: { confirm: { mutate(code: string): void; isPending: boolean; error: unknown }; onCancel?: () => void }) {
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = code.replace(/\s+/g, '');
    setMissing(!/^\d{6}$/.test(value));
    if (/^\d{6}$/.test(value)) confirm.mutate(value);
  };
  const wrong = confirm.error instanceof ApiError && confirm.error.code === 'BAD_USER_INPUT' ? confirm.error.message : undefined;
  return (
    <form onSubmit={submit} noValidate>
      <TextField
        label="Code from the app"
        hint="6 digits; a new one appears every 30 seconds."
        inputMode="numeric"
        autoComplete="one-time-code"
        value={code}
        onChange={(e) => setCode(e.target.value)}
        error={missing ? 'Enter the 6-digit code from your authenticator app' : wrong}
      />
      {!wrong && confirm.error != null && <AlertText text={expiredOrPlain(confirm.error)} />}
      <div className="actions">
        <button type="submit" className="primary" disabled={confirm.isPending}>
          {confirm.isPending ? 'Checking…' : 'Confirm code'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

/** An expired enrolment ticket answers UNAUTHENTICATED; say to sign in again rather than "your session has ended". */
function expiredOrPlain(error: unknown) {
  if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') return `${error.message}.`;
  return plainMessage(error);
}

function CancelButton({ onCancel }: { onCancel?: () => void }) {
  if (!onCancel) return null;
  return (
    <div className="actions">
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** The recovery codes, shown once, with a confirmation that they are saved before going on. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  const [saved, setSaved] = useState(false);
  const [notYet, setNotYet] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (saved) onDone();
    else setNotYet(true);
  };
  return (
    <div className="mfa-codes">
      <h2>Your recovery codes</h2>
      <div className="alert warn">
        <p>
          <strong>These codes are shown only this once.</strong> Write them down and keep them somewhere safe, away from your phone. Each one signs you in once if
          you lose your authenticator app.
        </p>
      </div>
      <ol className="recovery-codes mono" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ol>
      <form onSubmit={submit} noValidate>
        <Checkbox label="I have saved these recovery codes" checked={saved} onChange={(e) => setSaved(e.target.checked)} aria-invalid={notYet && !saved ? true : undefined} />
        {notYet && !saved && <AlertText text="Save your recovery codes, then tick the box: they cannot be shown again." />}
        <div className="actions">
          <button type="submit" className="primary">
            Continue
          </button>
        </div>
      </form>
    </div>
  );
}
