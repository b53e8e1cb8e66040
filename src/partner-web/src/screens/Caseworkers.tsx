/**
 * "Caseworkers", for the organisation's partner admin only (the portal shows it when `partnerSession.isAdmin`;
 * the server refuses everyone else, src/auth/policy.ts PARTNER_ADMIN): the organisation's accounts, "Add a
 * caseworker" (display name, username, a first password they replace at their first sign-in), and "Remove" and
 * "Reset", each behind a confirmation page (the GOV.UK pattern for an action that cannot be undone in one step).
 * Passwords typed here are kept in memory only and sent once. Below the list, the organisation's own webhook
 * (./Webhook.tsx).
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, gql } from '../api';
import type { Translate } from '../i18n';
import { Webhook } from './Webhook';

const LIST = `query Accounts { partnerAccounts { id displayName isAdmin disabled hasSecondFactor } }`;
const ADD = `mutation AddCaseworker($d: String!, $u: String!, $p: String!) { addPartnerCaseworker(displayName: $d, username: $u, initialPassword: $p) { id } }`;
const REMOVE = `mutation RemoveCaseworker($id: ID!) { removePartnerCaseworker(id: $id) }`;
const RESET = `mutation ResetCaseworker($id: ID!, $p: String!) { resetPartnerCaseworker(id: $id, initialPassword: $p) }`;

type Account = { id: string; displayName: string; isAdmin: boolean; disabled: boolean; hasSecondFactor: boolean };
type View = { name: 'list' } | { name: 'add' } | { name: 'remove'; account: Account } | { name: 'reset'; account: Account };

const problem = (t: Translate, err: unknown) => {
  const code = err instanceof ApiError ? err.code : 'NETWORK';
  if (code === 'NETWORK' || code === 'SERVICE_UNAVAILABLE') return t('error.network');
  if (err instanceof ApiError && (code === 'BAD_USER_INPUT' || code === 'CONFLICT')) return t('passOn.invalid.server', { message: err.message });
  return t('error.generic');
};

export function Caseworkers({ t }: { t: Translate }) {
  const [view, setView] = useState<View>({ name: 'list' });
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    setFailure(null);
    try {
      setAccounts((await gql<{ partnerAccounts: Account[] }>(LIST)).partnerAccounts);
    } catch (err) {
      setFailure(problem(t, err));
    }
  }, [t]);
  useEffect(() => void load(), [load]);
  useEffect(() => heading.current?.focus(), [view]);

  const finished = (message: string) => {
    setDone(message);
    setView({ name: 'list' });
    void load();
  };
  const cancel = () => {
    setDone(null);
    setView({ name: 'list' });
  };

  if (view.name === 'add') return <AddCaseworker t={t} heading={heading} onCancel={cancel} onDone={(name) => finished(t('caseworkers.add.done', { name }))} />;
  if (view.name === 'remove' || view.name === 'reset')
    return <Confirm t={t} heading={heading} action={view.name} account={view.account} onCancel={cancel} onDone={(message) => finished(message)} />;

  return (
    <>
      <h1 tabIndex={-1} ref={heading}>
        {t('caseworkers.title')}
      </h1>
      <p className="lead">{t('caseworkers.lead')}</p>
      {done && (
        <div className="notice success" role="status">
          <p>{done}</p>
        </div>
      )}
      {failure && (
        <div className="notice warning" role="alert">
          <p>{failure}</p>
        </div>
      )}
      <button
        type="button"
        className="button"
        onClick={() => {
          setDone(null);
          setView({ name: 'add' });
        }}
      >
        {t('caseworkers.add.title')}
      </button>
      {accounts && (
        <table className="responsive">
          <caption className="visually-hidden">{t('caseworkers.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('caseworkers.col.name')}</th>
              <th scope="col">{t('caseworkers.col.role')}</th>
              <th scope="col">{t('caseworkers.col.status')}</th>
              <th scope="col">{t('caseworkers.col.secondFactor')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('caseworkers.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.id}>
                <td data-label={t('caseworkers.col.name')}>{a.displayName}</td>
                <td data-label={t('caseworkers.col.role')}>{a.isAdmin ? t('caseworkers.role.admin') : t('caseworkers.role.caseworker')}</td>
                <td data-label={t('caseworkers.col.status')}>{a.disabled ? <strong className="tag">{t('caseworkers.status.disabled')}</strong> : t('caseworkers.status.active')}</td>
                <td data-label={t('caseworkers.col.secondFactor')}>{a.hasSecondFactor ? t('caseworkers.secondFactor.yes') : t('caseworkers.secondFactor.no')}</td>
                <td data-label={t('caseworkers.col.actions')}>
                  {!a.isAdmin && !a.disabled && (
                    <span className="actions">
                      <button type="button" className="link-button" aria-label={t('caseworkers.reset.for', { name: a.displayName })} onClick={() => setView({ name: 'reset', account: a })}>
                        {t('caseworkers.reset')}
                      </button>
                      <button type="button" className="link-button" aria-label={t('caseworkers.remove.for', { name: a.displayName })} onClick={() => setView({ name: 'remove', account: a })}>
                        {t('caseworkers.remove')}
                      </button>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Webhook t={t} />
    </>
  );
}

type Field = 'displayName' | 'username' | 'password';

/** A text input with its label, hint and error message (GOV.UK pattern). */
function Input(props: { id: string; label: string; hint?: string; error?: string; value: string; onChange: (v: string) => void; type?: string; autoComplete: string; width?: string }) {
  const described = [props.hint && `${props.id}-hint`, props.error && `${props.id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${props.error ? ' has-error' : ''}`}>
      <label className="label" htmlFor={props.id}>
        {props.label}
      </label>
      {props.hint && (
        <p className="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p className="error-message" id={`${props.id}-error`}>
          {props.error}
        </p>
      )}
      <input
        id={props.id}
        className={props.width ?? 'input-20'}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        spellCheck={false}
        aria-invalid={!!props.error}
        aria-describedby={described}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}

/** The error summary: each problem a link to its field; it takes the focus on each attempt (`attempt`), not as one types. */
function Summary({ t, errors, attempt }: { t: Translate; errors: [string, string][]; attempt: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), [attempt]);
  if (!errors.length) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={box}>
      <h2>{t('error.summary')}</h2>
      <ul>
        {errors.map(([id, message]) => (
          <li key={id}>
            <a href={`#${id}`}>{message}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function AddCaseworker({ t, heading, onCancel, onDone }: { t: Translate; heading: React.RefObject<HTMLHeadingElement | null>; onCancel: () => void; onDone: (name: string) => void }) {
  const [values, setValues] = useState<Record<Field, string>>({ displayName: '', username: '', password: '' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const set = (f: Field) => (v: string) => setValues((s) => ({ ...s, [f]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    if (!values.displayName.trim()) found.displayName = t('caseworkers.add.required.name');
    if (!values.username.trim()) found.username = t('caseworkers.add.required.username');
    if (values.password.length < 12) found.password = t('caseworkers.add.required.password');
    setErrors(found);
    setFailure(null);
    setAttempt((n) => n + 1);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      await gql(ADD, { d: values.displayName.trim(), u: values.username.trim(), p: values.password });
      onDone(values.displayName.trim());
    } catch (err) {
      const field = err instanceof ApiError ? err.fields[0]?.path[0] : undefined;
      const message = problem(t, err);
      setAttempt((n) => n + 1);
      if (field === 'username' || field === 'displayName') setErrors({ [field]: message });
      else if (field === 'initialPassword') setErrors({ password: message });
      else if (err instanceof ApiError && err.code === 'CONFLICT') setErrors({ username: message });
      else setFailure(message);
    } finally {
      setBusy(false);
    }
  }
  const ids: Record<Field, string> = { displayName: 'cw-name', username: 'cw-username', password: 'cw-password' };
  return (
    <>
      <h1 tabIndex={-1} ref={heading}>
        {t('caseworkers.add.title')}
      </h1>
      <p className="lead">{t('caseworkers.add.lead')}</p>
      <Summary t={t} attempt={attempt} errors={(Object.keys(errors) as Field[]).map((f) => [ids[f], errors[f]!])} />
      {failure && (
        <div className="notice warning" role="alert">
          <p>{failure}</p>
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Input id={ids.displayName} label={t('caseworkers.add.name')} hint={t('caseworkers.add.name.hint')} error={errors.displayName} value={values.displayName} onChange={set('displayName')} autoComplete="off" />
        <Input id={ids.username} label={t('caseworkers.add.username')} hint={t('caseworkers.add.username.hint')} error={errors.username} value={values.username} onChange={set('username')} autoComplete="off" />
        <Input id={ids.password} label={t('caseworkers.add.password')} hint={t('caseworkers.add.password.hint')} error={errors.password} value={values.password} onChange={set('password')} type="password" autoComplete="new-password" />
        <button type="submit" className="button" disabled={busy}>
          {t('caseworkers.add.submit')}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          {t('caseworkers.cancel')}
        </button>
      </form>
    </>
  );
}

/** "Are you sure?": removing signs the caseworker out at once; resetting sets a new first password (and second factor). */
function Confirm(props: { t: Translate; heading: React.RefObject<HTMLHeadingElement | null>; action: 'remove' | 'reset'; account: Account; onCancel: () => void; onDone: (message: string) => void }) {
  const { t, action, account } = props;
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setFailure(null);
    setAttempt((n) => n + 1);
    if (action === 'reset' && password.length < 12) return setError(t('caseworkers.add.required.password'));
    setError(null);
    setBusy(true);
    try {
      if (action === 'remove') await gql(REMOVE, { id: account.id });
      else await gql(RESET, { id: account.id, p: password });
      props.onDone(t(`caseworkers.${action}.done`, { name: account.displayName }));
    } catch (err) {
      if (action === 'reset' && err instanceof ApiError && err.code === 'BAD_USER_INPUT') setError(problem(t, err));
      else setFailure(problem(t, err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <h1 tabIndex={-1} ref={props.heading}>
        {t(`caseworkers.${action}.title`, { name: account.displayName })}
      </h1>
      <p className="lead">{t(`caseworkers.${action}.lead`)}</p>
      <Summary t={t} attempt={attempt} errors={error ? [['reset-password', error]] : []} />
      {failure && (
        <div className="notice warning" role="alert">
          <p>{failure}</p>
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate>
        {action === 'reset' && (
          <Input id="reset-password" label={t('caseworkers.add.password')} hint={t('caseworkers.add.password.hint')} error={error ?? undefined} value={password} onChange={setPassword} type="password" autoComplete="new-password" />
        )}
        <button type="submit" className={action === 'remove' ? 'button warning' : 'button'} disabled={busy}>
          {t(`caseworkers.${action}.confirm`)}
        </button>
        <button type="button" className="button secondary" onClick={props.onCancel}>
          {t('caseworkers.cancel')}
        </button>
      </form>
    </>
  );
}
