/**
 * Signing in to the portal, as the staff console does it (src/web/src/screens/SignIn.tsx): username and password,
 * then the code from the authenticator app when the account has one. At a first sign-in the caseworker chooses
 * their own password (the server answers with a passwordTicket), then sets up their authenticator app from a QR
 * code (an enrolmentTicket), keeps the recovery codes shown once, and signs in with a code. The session is an
 * HttpOnly cookie the page never sees.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, gql } from '../api';
import type { Translate } from '../i18n';

const SIGN_IN = `mutation SignIn($u: String!, $p: String!, $t: String) { partnerSignIn(username: $u, password: $p, totp: $t) { organisation } }`;
const SET_PASSWORD = `mutation SetPassword($t: String!, $p: String!) { partnerSetInitialPassword(passwordTicket: $t, newPassword: $p) }`;
const BEGIN = `mutation Begin($t: String) { partnerBeginMfaEnrolment(enrolmentTicket: $t) { qrSvg secret } }`;
const CONFIRM = `mutation Confirm($c: String!, $t: String) { partnerConfirmMfaEnrolment(code: $c, enrolmentTicket: $t) { recoveryCodes } }`;

type Step = { name: 'credentials'; askCode: boolean } | { name: 'password'; ticket: string } | { name: 'enrol'; ticket: string; qr: string; secret: string } | { name: 'codes'; codes: string[] };

export function SignIn({ t, onSignedIn }: { t: Translate; onSignedIn: () => void }) {
  const [step, setStep] = useState<Step>({ name: 'credentials', askCode: false });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [step.name]);

  const fail = (err: unknown) => {
    const code = err instanceof ApiError ? err.code : 'NETWORK';
    setError(code === 'NETWORK' ? t('error.network') : code === 'BAD_USER_INPUT' && err instanceof ApiError ? err.message : t('signIn.failed'));
  };

  async function signIn(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql(SIGN_IN, { u: username, p: password, t: code || null });
      onSignedIn();
    } catch (err) {
      const ext = err instanceof ApiError ? err.extensions : {};
      if (ext.passwordChange === 'REQUIRED' && typeof ext.passwordTicket === 'string') {
        setNotice(null);
        setStep({ name: 'password', ticket: ext.passwordTicket });
      } else if (ext.mfa === 'ENROL' && typeof ext.enrolmentTicket === 'string') {
        try {
          const begun = await gql<{ partnerBeginMfaEnrolment: { qrSvg: string; secret: string } }>(BEGIN, { t: ext.enrolmentTicket });
          setStep({ name: 'enrol', ticket: ext.enrolmentTicket, qr: `data:image/svg+xml;base64,${btoa(begun.partnerBeginMfaEnrolment.qrSvg)}`, secret: begun.partnerBeginMfaEnrolment.secret });
        } catch (e2) {
          fail(e2);
        }
      } else if (ext.mfa === 'REQUIRED' && !code) {
        setStep({ name: 'credentials', askCode: true });
      } else fail(err);
    } finally {
      setBusy(false);
    }
  }

  async function choosePassword(e: FormEvent, ticket: string) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql(SET_PASSWORD, { t: ticket, p: newPassword });
      setPassword('');
      setNewPassword('');
      setNotice(t('signIn.passwordSet'));
      setStep({ name: 'credentials', askCode: false });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  async function confirm(e: FormEvent, ticket: string) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const done = await gql<{ partnerConfirmMfaEnrolment: { recoveryCodes: string[] } }>(CONFIRM, { c: code, t: ticket });
      setCode('');
      setStep({ name: 'codes', codes: done.partnerConfirmMfaEnrolment.recoveryCodes });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  const errorBox = error && (
    <div className="error-summary" role="alert">
      <h2>{t('error.summary')}</h2>
      <p>{error}</p>
    </div>
  );
  const field = (id: string, label: string, value: string, set: (v: string) => void, opts: { type?: string; autoComplete?: string; hint?: string; inputMode?: 'numeric' } = {}) => (
    <div className="field">
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {opts.hint && (
        <p className="hint" id={`${id}-hint`}>
          {opts.hint}
        </p>
      )}
      <input id={id} className="input-20" type={opts.type ?? 'text'} autoComplete={opts.autoComplete ?? 'off'} inputMode={opts.inputMode} aria-describedby={opts.hint ? `${id}-hint` : undefined} value={value} onChange={(e) => set(e.target.value)} />
    </div>
  );

  if (step.name === 'password')
    return (
      <form onSubmit={(e) => void choosePassword(e, step.ticket)} noValidate>
        <h1 tabIndex={-1} ref={heading}>
          {t('signIn.password.title')}
        </h1>
        <p>{t('signIn.password.lead')}</p>
        {errorBox}
        {field('new-password', t('signIn.password.label'), newPassword, setNewPassword, { type: 'password', autoComplete: 'new-password', hint: t('signIn.password.hint') })}
        <button type="submit" className="button" disabled={busy}>
          {t('signIn.password.submit')}
        </button>
      </form>
    );
  if (step.name === 'enrol')
    return (
      <form onSubmit={(e) => void confirm(e, step.ticket)} noValidate>
        <h1 tabIndex={-1} ref={heading}>
          {t('signIn.enrol.title')}
        </h1>
        <p>{t('signIn.enrol.lead')}</p>
        <img className="qr" src={step.qr} alt={t('signIn.enrol.qrAlt')} width={200} height={200} />
        <p>
          {t('signIn.enrol.secret')} <code className="secret">{step.secret}</code>
        </p>
        {errorBox}
        {field('enrol-code', t('signIn.code.label'), code, setCode, { autoComplete: 'one-time-code', inputMode: 'numeric', hint: t('signIn.code.hint') })}
        <button type="submit" className="button" disabled={busy}>
          {t('signIn.enrol.submit')}
        </button>
      </form>
    );
  if (step.name === 'codes')
    return (
      <>
        <h1 tabIndex={-1} ref={heading}>
          {t('signIn.codes.title')}
        </h1>
        <p>{t('signIn.codes.lead')}</p>
        <ul className="codes">
          {step.codes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <button type="button" className="button" onClick={() => setStep({ name: 'credentials', askCode: true })}>
          {t('signIn.codes.continue')}
        </button>
      </>
    );
  return (
    <form onSubmit={(e) => void signIn(e)} noValidate>
      <h1 tabIndex={-1} ref={heading}>
        {t('signIn.title')}
      </h1>
      {notice && (
        <div className="notice success" role="status">
          <p>{notice}</p>
        </div>
      )}
      {errorBox}
      {field('username', t('signIn.username'), username, setUsername, { autoComplete: 'username' })}
      {field('password', t('signIn.password'), password, setPassword, { type: 'password', autoComplete: 'current-password' })}
      {step.askCode && field('code', t('signIn.code.label'), code, setCode, { autoComplete: 'one-time-code', inputMode: 'numeric', hint: t('signIn.code.hint') })}
      <button type="submit" className="button" disabled={busy}>
        {t('signIn.submit')}
      </button>
    </form>
  );
}
