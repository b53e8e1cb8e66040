/**
 * "Your own system", on the partner admin's Caseworkers page: the organisation's webhook (src/webhooks/partner.ts).
 * One address, told (signed, with no content at all) when an investigator asks a question, so the organisation's
 * own system can say "look in the portal". The signing secret is shown once, after saving, and kept in memory only.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, gql } from '../api';
import { formatDateTime } from '../format';
import type { Translate } from '../i18n';

const CURRENT = `query PartnerWebhook { partnerWebhook { url setAt } }`;
const SET = `mutation SetPartnerWebhook($url: String) { setPartnerWebhook(url: $url) { url secret setAt } }`;

type Current = { url: string; setAt: string } | null;

export function Webhook({ t }: { t: Translate }) {
  const [current, setCurrent] = useState<Current | undefined>(undefined);
  const [url, setUrl] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const [attempt, setAttempt] = useState(0);

  const load = useCallback(async () => {
    try {
      setCurrent((await gql<{ partnerWebhook: Current }>(CURRENT)).partnerWebhook);
    } catch {
      setFailure(t('error.generic'));
    }
  }, [t]);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    if (attempt) summary.current?.focus();
  }, [attempt]);

  async function save(next: string | null) {
    setBusy(true);
    setFailure(null);
    setDone(null);
    setSecret(null);
    try {
      const res = (await gql<{ setPartnerWebhook: { url: string | null; secret: string | null } }>(SET, { url: next })).setPartnerWebhook;
      setSecret(res.secret);
      setDone(res.url ? t('webhook.saved') : t('webhook.cleared'));
      setUrl('');
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'BAD_USER_INPUT') {
        setError(t('webhook.invalid'));
        setAttempt((n) => n + 1);
      } else setFailure(err instanceof ApiError ? t('error.generic') : t('error.network'));
    } finally {
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const found = url.trim() ? null : t('webhook.required');
    setError(found);
    if (found) return setAttempt((n) => n + 1);
    void save(url.trim());
  }

  return (
    <section aria-labelledby="webhook-title">
      <h2 id="webhook-title">{t('webhook.title')}</h2>
      <p>{t('webhook.lead')}</p>
      {error && (
        <div className="error-summary" role="alert" tabIndex={-1} ref={summary}>
          <h2>{t('error.summary')}</h2>
          <ul>
            <li>
              <a href="#webhook-url">{error}</a>
            </li>
          </ul>
        </div>
      )}
      {done && (
        <div className="notice success" role="status">
          <p>{done}</p>
          {secret && (
            <>
              <p>{t('webhook.secret')}</p>
              <p className="receipt">{secret}</p>
            </>
          )}
        </div>
      )}
      {failure && (
        <div className="notice warning" role="alert">
          <p>{failure}</p>
        </div>
      )}
      {current !== undefined && (
        <div className="inset">
          <p>{current ? t('webhook.current', { url: current.url, at: formatDateTime(t, current.setAt) }) : t('webhook.none')}</p>
        </div>
      )}
      <form noValidate onSubmit={submit}>
        <div className={`field${error ? ' has-error' : ''}`}>
          <label className="label" htmlFor="webhook-url">
            {t('webhook.url')}
          </label>
          <p className="hint" id="webhook-url-hint">
            {t('webhook.url.hint')}
          </p>
          {error && (
            <p className="error-message" id="webhook-url-error">
              {error}
            </p>
          )}
          <input
            id="webhook-url"
            className="input-20"
            type="url"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={!!error}
            aria-describedby={error ? 'webhook-url-hint webhook-url-error' : 'webhook-url-hint'}
            value={url}
            onChange={(e) => {
              setUrl(e.target.value);
              setError(null);
            }}
          />
        </div>
        <button type="submit" className="button" disabled={busy}>
          {t('webhook.save')}
        </button>
        {current && (
          <button type="button" className="button secondary" disabled={busy} onClick={() => void save(null)}>
            {t('webhook.clear')}
          </button>
        )}
      </form>
    </section>
  );
}
