/**
 * "Activity", for the organisation's partner admin only: who in the organisation did what, newest first, to the
 * minute (partnerActivityLog, opened from the organisation's own sealed log). The caseworkers' names appear here
 * and nowhere on the police side. Paged with "Show older activity".
 */
import { useCallback, useEffect, useState } from 'react';
import { ApiError, gql } from '../api';
import { formatDateTime } from '../format';
import type { Translate } from '../i18n';
import type { ACTIVITY_ACTIONS } from '../vocabulary';

const LOG = `query Activity($after: String) { partnerActivityLog(after: $after, first: 25) { entries { at who action receipt about } hasNextPage endCursor } }`;

type Entry = { at: string; who: string; action: (typeof ACTIVITY_ACTIONS)[number]; receipt: string | null; about: string | null };
type Page = { partnerActivityLog: { entries: Entry[]; hasNextPage: boolean; endCursor: string | null } };

export function Activity({ t }: { t: Translate }) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<string | null>(null);

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      setFailure(null);
      try {
        const page = (await gql<Page>(LOG, { after })).partnerActivityLog;
        setEntries((e) => (after ? [...e, ...page.entries] : page.entries));
        setNext(page.hasNextPage ? page.endCursor : null);
      } catch (err) {
        setFailure(err instanceof ApiError && err.code === 'NETWORK' ? t('error.network') : t('error.generic'));
      } finally {
        setLoading(false);
      }
    },
    [t],
  );
  useEffect(() => void load(null), [load]);

  return (
    <>
      <h1>{t('activity.title')}</h1>
      <p className="lead">{t('activity.lead')}</p>
      {failure && (
        <div className="notice warning" role="alert">
          <p>{failure}</p>
        </div>
      )}
      {!loading && entries.length === 0 && !failure && <p>{t('referrals.empty')}</p>}
      {entries.length > 0 && (
        <table className="responsive">
          <caption className="visually-hidden">{t('activity.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('activity.col.when')}</th>
              <th scope="col">{t('activity.col.who')}</th>
              <th scope="col">{t('activity.col.what')}</th>
              <th scope="col">{t('activity.col.concerning')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => (
              <tr key={`${e.at}-${i}`}>
                <td data-label={t('activity.col.when')}>{formatDateTime(t, e.at)}</td>
                <td data-label={t('activity.col.who')}>{e.who}</td>
                <td data-label={t('activity.col.what')}>{t(`activity.action.${e.action}`)}</td>
                <td data-label={t('activity.col.concerning')}>{e.receipt ? <span className="receipt-link">{e.receipt}</span> : (e.about ?? '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" className="button secondary" disabled={loading} onClick={() => void load(next)}>
          {t('activity.more')}
        </button>
      )}
    </>
  );
}
