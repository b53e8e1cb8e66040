/**
 * "Pass on a tip": a caseworker writes up what an informant said. There is no field for the informant, and the
 * form says so. Everything typed lives in this component's memory only (no browser storage); a lost connection
 * keeps the form filled and retries with the same idempotency key, so the service stores the tip once. The
 * receipt is shown once, large, with a copy button. The imminent-threat question shows the 999 instruction at once.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, gql } from '../api';
import type { Translate } from '../i18n';
import { parseDayAndTime } from '../format';
import { BOROUGHS, CATEGORIES } from '../vocabulary';

const SUBMIT = `mutation PassOn($input: PartnerReferralInput!) { submitPartnerReferral(input: $input) { receipt receivedAt urgentAction } }`;
const RETRY_SECONDS = 5;

type Subject = { name: string; approximateAge: string; description: string };
type Vehicle = { registration: string; make: string; colour: string };
type Place = { address: string; postcode: string; description: string };

interface Draft {
  imminentThreat: boolean;
  categories: string[];
  narrative: string;
  day: string;
  time: string;
  borough: string;
  partnerReference: string;
  subjects: Subject[];
  vehicles: Vehicle[];
  locations: Place[];
}

const EMPTY: Draft = { imminentThreat: false, categories: [], narrative: '', day: '', time: '', borough: '', partnerReference: '', subjects: [], vehicles: [], locations: [] };

type Problem = { field: string; message: string };

/** Leaves out empty strings and empty rows: the server is sent only what was given. */
const filled = <T extends Record<string, string>>(rows: T[]) =>
  rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v.trim()).map(([k, v]) => [k, v.trim()]))).filter((r) => Object.keys(r).length);

export function PassOn({ t }: { t: Translate }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [sending, setSending] = useState(false);
  const [retryIn, setRetryIn] = useState<number | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [receipt, setReceipt] = useState<{ receipt: string; urgent: boolean } | null>(null);
  // One key per tip: every retry of the same tip sends it again, so the service stores the tip once.
  const idempotencyKey = useRef(crypto.randomUUID());
  const summary = useRef<HTMLDivElement>(null);
  const timer = useRef<ReturnType<typeof setInterval>>(undefined);

  useEffect(() => () => clearInterval(timer.current), []);
  useEffect(() => {
    if (problems.length) summary.current?.focus();
  }, [problems]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  function validate(): { problems: Problem[]; heard: Date | null } {
    const found: Problem[] = [];
    if (!draft.categories.length) found.push({ field: `category-${CATEGORIES[0]}`, message: t('passOn.required.categories') });
    if (!draft.narrative.trim()) found.push({ field: 'narrative', message: t('passOn.required.narrative') });
    const heard = parseDayAndTime(draft.day, draft.time);
    if (heard === 'bad-date') found.push({ field: 'heard-day', message: t('passOn.invalid.date') });
    if (heard === 'bad-time') found.push({ field: 'heard-time', message: t('passOn.invalid.time') });
    return { problems: found, heard: heard instanceof Date ? heard : null };
  }

  async function send() {
    const checked = validate();
    setProblems(checked.problems);
    if (checked.problems.length) return;
    clearInterval(timer.current);
    setRetryIn(null);
    setFailure(null);
    setSending(true);
    const input = {
      idempotencyKey: idempotencyKey.current,
      imminentThreat: draft.imminentThreat,
      categories: draft.categories,
      narrative: draft.narrative,
      ...(checked.heard ? { receivedByPartnerAt: checked.heard.toISOString() } : {}),
      ...(draft.borough ? { borough: draft.borough } : {}),
      ...(draft.partnerReference.trim() ? { partnerReference: draft.partnerReference.trim() } : {}),
      subjects: filled(draft.subjects),
      vehicles: filled(draft.vehicles),
      locations: filled(draft.locations),
    };
    try {
      const data = await gql<{ submitPartnerReferral: { receipt: string; urgentAction: string | null } }>(SUBMIT, { input });
      setReceipt({ receipt: data.submitPartnerReferral.receipt, urgent: draft.imminentThreat });
      setDraft(EMPTY);
      idempotencyKey.current = crypto.randomUUID();
      window.scrollTo(0, 0);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'NETWORK';
      if (code === 'NETWORK' || code === 'SERVICE_UNAVAILABLE') {
        // Lost connection: the form stays filled; the same tip (same key) is sent again shortly.
        let left = RETRY_SECONDS;
        setRetryIn(left);
        timer.current = setInterval(() => {
          left -= 1;
          setRetryIn(left);
          if (left <= 0) {
            clearInterval(timer.current);
            void send();
          }
        }, 1000);
      } else if (err instanceof ApiError && err.fields.length) {
        setProblems(err.fields.map((f) => ({ field: fieldIdOf(f.path), message: t('passOn.invalid.server', { message: f.message }) })));
      } else {
        setFailure(code === 'RATE_LIMITED' ? t('error.rateLimited') : t('error.generic'));
      }
    } finally {
      setSending(false);
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!sending) void send();
  };

  if (receipt) return <Receipt t={t} receipt={receipt.receipt} urgent={receipt.urgent} onAnother={() => setReceipt(null)} />;

  const errorFor = (field: string) => problems.find((p) => p.field === field)?.message;
  const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(' ') || undefined;

  return (
    <>
      <h1>{t('passOn.title')}</h1>
      <p className="lead">{t('passOn.lead')}</p>
      <div className="inset" id="no-informant">
        <p>{t('passOn.noInformant')}</p>
        <p>{t('passOn.notKept')}</p>
      </div>

      {problems.length > 0 && (
        <div className="error-summary" role="alert" tabIndex={-1} ref={summary} aria-labelledby="error-summary-title">
          <h2 id="error-summary-title">{t('error.summary')}</h2>
          <ul>
            {problems.map((p) => (
              <li key={p.field + p.message}>
                <a href={`#${p.field}`}>{p.message}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      {retryIn !== null && (
        <div className="notice warning" role="status">
          <p>{t('error.retrying', { seconds: Math.max(retryIn, 0) })}</p>
          <button type="button" className="button secondary" onClick={() => void send()}>
            {t('error.retryNow')}
          </button>
        </div>
      )}
      {failure && (
        <div className="notice warning" role="alert">
          <p>{failure}</p>
        </div>
      )}

      <form onSubmit={submit} noValidate aria-describedby="no-informant">
        <fieldset className="field">
          <legend className="legend-m">{t('passOn.imminent.legend')}</legend>
          <div className="checkbox">
            <input id="imminentThreat" type="checkbox" checked={draft.imminentThreat} onChange={(e) => set('imminentThreat', e.target.checked)} />
            <label htmlFor="imminentThreat">{t('passOn.imminent.label')}</label>
          </div>
          {draft.imminentThreat && (
            <div className="alert urgent" role="alert">
              <p className="urgent-title">{t('passOn.imminent.alert')}</p>
              <p>{t('passOn.imminent.detail')}</p>
            </div>
          )}
        </fieldset>

        <fieldset className={`field${errorFor(`category-${CATEGORIES[0]}`) ? ' has-error' : ''}`} aria-describedby="categories-hint">
          <legend className="legend-m">{t('passOn.categories.legend')}</legend>
          <p className="hint" id="categories-hint">
            {t('passOn.categories.hint')}
          </p>
          {errorFor(`category-${CATEGORIES[0]}`) && <p className="error-message">{errorFor(`category-${CATEGORIES[0]}`)}</p>}
          <div className="checkboxes">
            {CATEGORIES.map((c) => (
              <div className="checkbox" key={c}>
                <input
                  id={`category-${c}`}
                  type="checkbox"
                  checked={draft.categories.includes(c)}
                  onChange={(e) => set('categories', e.target.checked ? [...draft.categories, c] : draft.categories.filter((x) => x !== c))}
                />
                <label htmlFor={`category-${c}`}>{t(`category.${c}`)}</label>
              </div>
            ))}
          </div>
        </fieldset>

        <div className={`field${errorFor('narrative') ? ' has-error' : ''}`}>
          <label className="label" htmlFor="narrative">
            {t('passOn.narrative.label')}
          </label>
          <p className="hint" id="narrative-hint">
            {t('passOn.narrative.hint')}
          </p>
          {errorFor('narrative') && (
            <p className="error-message" id="narrative-error">
              {errorFor('narrative')}
            </p>
          )}
          <textarea
            id="narrative"
            rows={10}
            maxLength={20000}
            value={draft.narrative}
            autoComplete="off"
            spellCheck
            aria-invalid={!!errorFor('narrative')}
            aria-describedby={describedBy('narrative-hint', errorFor('narrative') && 'narrative-error')}
            onChange={(e) => set('narrative', e.target.value)}
          />
        </div>

        <fieldset className="field" aria-describedby="heard-hint">
          <legend className="legend-m">{t('passOn.heard.legend')}</legend>
          <p className="hint" id="heard-hint">
            {t('passOn.heard.hint')}
          </p>
          {(errorFor('heard-day') || errorFor('heard-time')) && <p className="error-message">{errorFor('heard-day') ?? errorFor('heard-time')}</p>}
          <div className="inline-fields">
            <div>
              <label className="label" htmlFor="heard-day">
                {t('passOn.heard.date')}
              </label>
              <input id="heard-day" className="input-10" inputMode="numeric" autoComplete="off" value={draft.day} aria-invalid={!!errorFor('heard-day')} onChange={(e) => set('day', e.target.value)} />
            </div>
            <div>
              <label className="label" htmlFor="heard-time">
                {t('passOn.heard.time')}
              </label>
              <input id="heard-time" className="input-5" inputMode="numeric" autoComplete="off" value={draft.time} aria-invalid={!!errorFor('heard-time')} onChange={(e) => set('time', e.target.value)} />
            </div>
          </div>
        </fieldset>

        <div className="field">
          <label className="label" htmlFor="borough">
            {t('passOn.borough.label')}
          </label>
          <select id="borough" value={draft.borough} onChange={(e) => set('borough', e.target.value)}>
            <option value="">{t('passOn.borough.none')}</option>
            {BOROUGHS.map((b) => (
              <option key={b} value={b}>
                {t(`borough.${b}`)}
              </option>
            ))}
          </select>
        </div>

        <Rows t={t} kind="subjects" rows={draft.subjects} empty={{ name: '', approximateAge: '', description: '' }} fields={['name', 'approximateAge', 'description']} labelOf={(f) => t(`passOn.subject.${f}`)} onChange={(rows) => set('subjects', rows)} hint={t('passOn.subjects.hint')} />
        <Rows t={t} kind="vehicles" rows={draft.vehicles} empty={{ registration: '', make: '', colour: '' }} fields={['registration', 'make', 'colour']} labelOf={(f) => t(`passOn.vehicle.${f}`)} onChange={(rows) => set('vehicles', rows)} />
        <Rows t={t} kind="locations" rows={draft.locations} empty={{ address: '', postcode: '', description: '' }} fields={['address', 'postcode', 'description']} labelOf={(f) => t(`passOn.location.${f}`)} onChange={(rows) => set('locations', rows)} />

        <div className="field">
          <label className="label" htmlFor="partnerReference">
            {t('passOn.reference.label')}
          </label>
          <p className="hint" id="reference-hint">
            {t('passOn.reference.hint')}
          </p>
          <input id="partnerReference" className="input-20" autoComplete="off" aria-describedby="reference-hint" value={draft.partnerReference} onChange={(e) => set('partnerReference', e.target.value)} />
        </div>

        <button type="submit" className="button" disabled={sending} aria-disabled={sending}>
          {sending ? t('passOn.sending') : t('passOn.submit')}
        </button>
      </form>
    </>
  );
}

/** The form's element for a field the server named (["input", "narrative"] → narrative). */
function fieldIdOf(path: string[]): string {
  const [, group, index, name] = path;
  if (group && index !== undefined && name && ['subjects', 'vehicles', 'locations'].includes(group)) return `${group}-${index}-${name}`;
  if (group === 'receivedByPartnerAt') return 'heard-day';
  if (group === 'categories') return `category-${CATEGORIES[0]}`;
  return group ?? 'narrative';
}

/** Repeatable groups (people, vehicles, places): added and removed with buttons, each field with its own label. */
function Rows<T extends Record<string, string>>(props: {
  t: Translate;
  kind: 'subjects' | 'vehicles' | 'locations';
  rows: T[];
  empty: T;
  fields: (keyof T & string)[];
  labelOf: (field: string) => string;
  onChange: (rows: T[]) => void;
  hint?: string;
}) {
  const { t, kind, rows, fields } = props;
  const addButton = useRef<HTMLButtonElement>(null);
  return (
    <fieldset className="field">
      <legend className="legend-m">{t(`passOn.${kind}.legend`)}</legend>
      {props.hint && <p className="hint">{props.hint}</p>}
      {rows.map((row, i) => (
        <fieldset className="row-group" key={i}>
          <legend className="legend-s">{t(`passOn.${kind}.item`, { n: i + 1 })}</legend>
          {fields.map((f) => (
            <div className="field" key={f}>
              <label className="label" htmlFor={`${kind}-${i}-${f}`}>
                {props.labelOf(f)}
              </label>
              <input id={`${kind}-${i}-${f}`} autoComplete="off" value={row[f]} onChange={(e) => props.onChange(rows.map((r, j) => (j === i ? { ...r, [f]: e.target.value } : r)))} />
            </div>
          ))}
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              props.onChange(rows.filter((_, j) => j !== i));
              addButton.current?.focus();
            }}
          >
            {t(`passOn.${kind}.remove`, { n: i + 1 })}
          </button>
        </fieldset>
      ))}
      <button
        type="button"
        className="button secondary"
        ref={addButton}
        onClick={() => {
          props.onChange([...rows, { ...props.empty }]);
          // The new row's first field takes the focus once it is drawn.
          setTimeout(() => document.getElementById(`${kind}-${rows.length}-${fields[0]}`)?.focus(), 0);
        }}
      >
        {t(`passOn.${kind}.add`)}
      </button>
    </fieldset>
  );
}

/** The receipt, once: large, with a copy button; the next tip starts from an empty form. */
function Receipt({ t, receipt, urgent, onAnother }: { t: Translate; receipt: string; urgent: boolean; onAnother: () => void }) {
  const [copied, setCopied] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <div className="panel" aria-labelledby="receipt-title">
      <h1 id="receipt-title" tabIndex={-1} ref={heading}>
        {t('receipt.title')}
      </h1>
      <p>{t('receipt.lead')}</p>
      <p className="receipt" id="receipt-code">
        {receipt}
      </p>
      <button
        type="button"
        className="button secondary"
        onClick={() =>
          void navigator.clipboard?.writeText(receipt).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {t('receipt.copy')}
      </button>
      <p role="status" className="copied">
        {copied ? t('receipt.copied') : ''}
      </p>
      {urgent && <p className="notice warning">{t('receipt.urgent')}</p>}
      <p>{t('receipt.keep')}</p>
      <button type="button" className="button" onClick={onAnother}>
        {t('receipt.another')}
      </button>
    </div>
  );
}
