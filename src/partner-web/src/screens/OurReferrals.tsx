/**
 * "Our referrals": the organisation's referrals, newest first (receipt, day passed on, coarse state, whether a
 * question waits), filtered by state, paged with "Show older referrals"; a receipt opens the referral. A receipt
 * can also be typed to find one (rate-limited by the server).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, gql } from '../api';
import { formatDate } from '../format';
import type { Translate } from '../i18n';

const LIST = `query OurReferrals($state: [PartnerReferralState!], $after: String) { ourReferrals(state: $state, after: $after, first: 20) {
  edges { node { receipt passedOnAt state questionWaiting } } pageInfo { hasNextPage endCursor } questionsWaiting } }`;

export type PartnerState = 'RECEIVED' | 'UNDER_REVIEW' | 'CLOSED';
const STATES: PartnerState[] = ['RECEIVED', 'UNDER_REVIEW', 'CLOSED'];
type Row = { receipt: string; passedOnAt: string; state: PartnerState; questionWaiting: boolean };
type Page = { ourReferrals: { edges: { node: Row }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; questionsWaiting: number } };

export function OurReferrals({ t, onOpen, onWaiting }: { t: Translate; onOpen: (receipt: string) => void; onWaiting: (n: number) => void }) {
  const [filter, setFilter] = useState<PartnerState | ''>('');
  const [applied, setApplied] = useState<PartnerState | ''>('');
  const [rows, setRows] = useState<Row[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<string | null>(null);
  const [receipt, setReceipt] = useState('');

  const load = useCallback(
    async (state: PartnerState | '', after: string | null) => {
      setLoading(true);
      setFailure(null);
      try {
        const data = await gql<Page>(LIST, { state: state ? [state] : null, after });
        const page = data.ourReferrals;
        setRows((r) => (after ? [...r, ...page.edges.map((e) => e.node)] : page.edges.map((e) => e.node)));
        setNext(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
        onWaiting(page.questionsWaiting);
      } catch (err) {
        setFailure(err instanceof ApiError && err.code === 'NETWORK' ? t('error.network') : t('error.generic'));
      } finally {
        setLoading(false);
      }
    },
    [onWaiting, t],
  );

  useEffect(() => void load(applied, null), [applied, load]);

  const find = (e: FormEvent) => {
    e.preventDefault();
    if (receipt.trim()) onOpen(receipt.trim());
  };

  return (
    <>
      <h1>{t('referrals.title')}</h1>
      <p className="lead">{t('referrals.lead')}</p>
      {failure && (
        <div className="notice warning" role="alert">
          <p>{failure}</p>
        </div>
      )}
      <form
        className="filter"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filter);
        }}
      >
        <div className="field">
          <label className="label" htmlFor="state-filter">
            {t('referrals.filter.legend')}
          </label>
          <select id="state-filter" className="input-20" value={filter} onChange={(e) => setFilter(e.target.value as PartnerState | '')}>
            <option value="">{t('referrals.filter.all')}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`state.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button secondary">
          {t('referrals.filter.apply')}
        </button>
      </form>
      {!loading && rows.length === 0 && !failure && <p>{t('referrals.empty')}</p>}
      {rows.length > 0 && (
        <table className="responsive">
          <caption className="visually-hidden">{t('referrals.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('referrals.col.receipt')}</th>
              <th scope="col">{t('referrals.col.passedOn')}</th>
              <th scope="col">{t('referrals.col.state')}</th>
              <th scope="col">{t('referrals.col.question')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.receipt}>
                <td data-label={t('referrals.col.receipt')}>
                  <a
                    href="#main"
                    className="receipt-link"
                    aria-label={t('referrals.open', { receipt: r.receipt })}
                    onClick={(e) => {
                      e.preventDefault();
                      onOpen(r.receipt);
                    }}
                  >
                    {r.receipt}
                  </a>
                </td>
                <td data-label={t('referrals.col.passedOn')}>{formatDate(t, r.passedOnAt)}</td>
                <td data-label={t('referrals.col.state')}>{t(`state.${r.state}`)}</td>
                <td data-label={t('referrals.col.question')}>{r.questionWaiting ? <strong className="tag">{t('referrals.questionWaiting')}</strong> : t('referrals.noQuestion')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" className="button secondary" disabled={loading} onClick={() => void load(applied, next)}>
          {t('referrals.more')}
        </button>
      )}
      <h2>{t('lookup.submit')}</h2>
      <form onSubmit={find}>
        <div className="field">
          <label className="label" htmlFor="lookup">
            {t('lookup.label')}
          </label>
          <p className="hint" id="lookup-hint">
            {t('lookup.hint')}
          </p>
          <input id="lookup" className="input-20" autoComplete="off" aria-describedby="lookup-hint" value={receipt} onChange={(e) => setReceipt(e.target.value)} />
        </div>
        <button type="submit" className="button secondary">
          {t('lookup.submit')}
        </button>
      </form>
    </>
  );
}
