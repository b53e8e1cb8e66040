/**
 * One referral, as the organisation passed it on: its words, what it added, the questions from the police and
 * its answers; "Answer this question" and "Add information". A closed referral says so in coarse words and
 * nothing more. Answers and additions are kept in memory only; an addition is retried with the same key.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, gql, gqlUpload } from '../api';
import { formatDate, formatDateTime } from '../format';
import type { Translate } from '../i18n';
import type { PartnerState } from './OurReferrals';

const ONE = `query OurReferral($r: String!) { ourReferral(receipt: $r) { receipt passedOnAt state narrative partnerReference
  subjects { name approximateAge description } vehicles { registration make colour } locations { address postcode description }
  additions { at narrative } questions { id question askedAt answer answeredAt } questionsWaiting filesReceived { type size receivedAt } } }`;
const ATTACH = `mutation Attach($r: String!, $file: File!) { attachToReferral(receipt: $r, file: $file) { type size receivedAt } }`;
const ANSWER = `mutation Answer($r: String!, $q: ID!, $a: String!) { answerPartnerQuestion(receipt: $r, questionId: $q, answer: $a) { id answered } }`;
const ADD = `mutation Add($r: String!, $input: FollowUpInput!) { addToReferral(receipt: $r, input: $input) { receipt } }`;

type Question = { id: string; question: string; askedAt: string; answer: string | null; answeredAt: string | null };
type Detail = {
  receipt: string;
  passedOnAt: string;
  state: PartnerState;
  narrative: string;
  partnerReference: string | null;
  subjects: { name: string | null; approximateAge: string | null; description: string | null }[];
  vehicles: { registration: string | null; make: string | null; colour: string | null }[];
  locations: { address: string | null; postcode: string | null; description: string | null }[];
  additions: { at: string; narrative: string }[];
  questions: Question[];
  questionsWaiting: number;
  filesReceived: FileReceived[];
};
type FileReceived = { type: string; size: number; receivedAt: string };

const joined = (parts: (string | null)[]) => parts.filter(Boolean).join(', ');

export function Referral({
  t,
  receipt,
  maxFileBytes,
  onBack,
  onChanged,
}: {
  t: Translate;
  receipt: string;
  maxFileBytes: number | null;
  onBack: () => void;
  onChanged: () => void;
}) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    try {
      setDetail((await gql<{ ourReferral: Detail }>(ONE, { r: receipt })).ourReferral);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'NETWORK';
      setFailure(code === 'NOT_FOUND' ? t('lookup.notFound') : code === 'RATE_LIMITED' ? t('error.rateLimited') : code === 'NETWORK' ? t('error.network') : t('error.generic'));
    }
  }, [receipt, t]);

  useEffect(() => void load(), [load]);
  useEffect(() => heading.current?.focus(), [detail, failure]);

  const changed = (message: string) => {
    setDone(message);
    onChanged();
    void load();
  };

  const back = (
    <p>
      <a
        href="/referrals"
        onClick={(e) => {
          e.preventDefault();
          onBack();
        }}
      >
        {t('detail.back')}
      </a>
    </p>
  );

  if (failure)
    return (
      <>
        {back}
        <h1 tabIndex={-1} ref={heading}>
          {t('referrals.title')}
        </h1>
        <div className="notice warning" role="alert">
          <p>{failure}</p>
        </div>
      </>
    );
  if (!detail) return back;

  return (
    <>
      {back}
      <h1 tabIndex={-1} ref={heading}>
        {t('detail.title', { receipt: detail.receipt })}
      </h1>
      {done && (
        <div className="notice success" role="status">
          <p>{done}</p>
        </div>
      )}
      <dl className="summary">
        <dt>{t('referrals.col.passedOn')}</dt>
        <dd>{formatDate(t, detail.passedOnAt)}</dd>
        <dt>{t('referrals.col.state')}</dt>
        <dd>{t(`state.${detail.state}`)}</dd>
        {detail.partnerReference && (
          <>
            <dt>{t('detail.reference')}</dt>
            <dd>{detail.partnerReference}</dd>
          </>
        )}
      </dl>
      {detail.state === 'CLOSED' && <p className="notice warning">{t('detail.closed')}</p>}

      <h2>{t('detail.questions')}</h2>
      {detail.questions.length === 0 && <p>{t('detail.noQuestions')}</p>}
      {detail.questions.map((q, i) => (
        <section className="question" key={q.id} aria-labelledby={`question-${i}`}>
          <p className="hint">{t('detail.askedOn', { date: formatDateTime(t, q.askedAt) })}</p>
          <p className="words" id={`question-${i}`}>
            {q.question}
          </p>
          {q.answer ? (
            <>
              <p className="label">{t('detail.yourAnswer')}</p>
              <p className="words">{q.answer}</p>
            </>
          ) : (
            <AnswerForm t={t} receipt={detail.receipt} question={q} index={i} onDone={() => changed(t('detail.answer.done'))} />
          )}
        </section>
      ))}

      <h2>{t('detail.words')}</h2>
      <p className="words">{detail.narrative}</p>
      {(detail.subjects.length > 0 || detail.vehicles.length > 0 || detail.locations.length > 0) && (
        <ul>
          {detail.subjects.map((s, i) => (
            <li key={`s${i}`}>{joined([s.name, s.approximateAge, s.description])}</li>
          ))}
          {detail.vehicles.map((v, i) => (
            <li key={`v${i}`}>{joined([v.registration, v.make, v.colour])}</li>
          ))}
          {detail.locations.map((l, i) => (
            <li key={`l${i}`}>{joined([l.address, l.postcode, l.description])}</li>
          ))}
        </ul>
      )}
      {detail.additions.length > 0 && (
        <>
          <h2>{t('detail.additions')}</h2>
          {detail.additions.map((a, i) => (
            <div key={i}>
              <p className="hint">{formatDateTime(t, a.at)}</p>
              <p className="words">{a.narrative}</p>
            </div>
          ))}
        </>
      )}
      {detail.state !== 'CLOSED' && <AddForm t={t} receipt={detail.receipt} onDone={() => changed(t('detail.add.done'))} />}
      <FilesReceived t={t} files={detail.filesReceived} />
      {detail.state !== 'CLOSED' && <AddFile t={t} receipt={detail.receipt} maxBytes={maxFileBytes} onDone={() => changed(t('detail.file.done'))} />}
    </>
  );
}

/** One text box and its button, with the GOV.UK error pattern; `send` throws ApiError. */
function TextForm(props: { t: Translate; id: string; title?: string; label: string; hint?: string; button: string; required: string; secondary?: boolean; send: (text: string) => Promise<void> }) {
  const { t } = props;
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return setError(props.required);
    setSending(true);
    setError(null);
    try {
      await props.send(text);
      setText('');
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'NETWORK';
      setError(code === 'NETWORK' || code === 'SERVICE_UNAVAILABLE' ? t('error.network') : err instanceof ApiError && code === 'BAD_USER_INPUT' ? t('passOn.invalid.server', { message: err.message }) : t('error.generic'));
    } finally {
      setSending(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      {props.title && <h2>{props.title}</h2>}
      <div className={`field${error ? ' has-error' : ''}`}>
        <label className="label" htmlFor={props.id}>
          {props.label}
        </label>
        {props.hint && (
          <p className="hint" id={`${props.id}-hint`}>
            {props.hint}
          </p>
        )}
        {error && (
          <p className="error-message" id={`${props.id}-error`} role="alert">
            {error}
          </p>
        )}
        <textarea
          id={props.id}
          rows={4}
          value={text}
          autoComplete="off"
          aria-invalid={!!error}
          aria-describedby={[props.hint && `${props.id}-hint`, error && `${props.id}-error`].filter(Boolean).join(' ') || undefined}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <button type="submit" className={props.secondary ? 'button secondary' : 'button'} disabled={sending}>
        {props.button}
      </button>
    </form>
  );
}

function AnswerForm({ t, receipt, question, index, onDone }: { t: Translate; receipt: string; question: Question; index: number; onDone: () => void }) {
  return (
    <TextForm
      t={t}
      id={`answer-${index}`}
      label={t('detail.answer.label')}
      button={t('detail.answer.submit')}
      required={t('detail.answer.required')}
      send={async (text) => {
        await gql(ANSWER, { r: receipt, q: question.id, a: text });
        onDone();
      }}
    />
  );
}

function AddForm({ t, receipt, onDone }: { t: Translate; receipt: string; onDone: () => void }) {
  // One key per addition: a retry after a lost answer adds it once.
  const key = useRef(crypto.randomUUID());
  return (
    <TextForm
      t={t}
      id="addition"
      title={t('detail.add.title')}
      label={t('detail.add.label')}
      hint={t('detail.add.hint')}
      button={t('detail.add.submit')}
      required={t('detail.add.required')}
      // Answering a question is the page's primary action; adding information is the second.
      secondary
      send={async (text) => {
        await gql(ADD, { r: receipt, input: { idempotencyKey: key.current, narrative: text } });
        key.current = crypto.randomUUID();
        onDone();
      }}
    />
  );
}

/** The type as a person says it: the server names only these four (sniffed from the bytes). */
const typeName = (t: Translate, type: string) => t(`detail.file.type.${type === 'application/pdf' ? 'pdf' : type.replace('image/', '')}`);

/** Sizes as people read them: KB under a megabyte, MB with one decimal above. */
const sizeName = (t: Translate, bytes: number) =>
  bytes < 1024 * 1024 ? t('detail.file.kb', { n: Math.max(1, Math.round(bytes / 1024)) }) : t('detail.file.mb', { n: (bytes / (1024 * 1024)).toFixed(1) });

/** What the organisation attached: type, size and day of each file, never the file back. */
function FilesReceived({ t, files }: { t: Translate; files: FileReceived[] }) {
  if (files.length === 0) return null;
  return (
    <>
      <h2 id="files-title">{t('detail.files.title')}</h2>
      <table className="responsive" aria-labelledby="files-title">
        <thead>
          <tr>
            <th scope="col">{t('detail.files.col.type')}</th>
            <th scope="col">{t('detail.files.col.size')}</th>
            <th scope="col">{t('detail.files.col.day')}</th>
          </tr>
        </thead>
        <tbody>
          {files.map((f, i) => (
            <tr key={i}>
              <td data-label={t('detail.files.col.type')}>{typeName(t, f.type)}</td>
              <td data-label={t('detail.files.col.size')}>{sizeName(t, f.size)}</td>
              <td data-label={t('detail.files.col.day')}>{formatDate(t, f.receivedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">{t('detail.files.notShown')}</p>
    </>
  );
}

/**
 * "Add a file": one file input and its button, the GOV.UK error pattern. The server decides the type from the
 * bytes and strips what identifies the sender; its refusal (wrong type, too large) is shown in its own words.
 */
/** The configured limit as people say it: "20 MB", "2.5 MB", "500 KB". */
const limitWords = (bytes: number) => (bytes >= 1024 * 1024 ? `${Number((bytes / (1024 * 1024)).toFixed(1))} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

function AddFile({ t, receipt, maxBytes, onDone }: { t: Translate; receipt: string; maxBytes: number | null; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) return setError(t('detail.file.required'));
    setSending(true);
    setError(null);
    try {
      await gqlUpload(ATTACH, { r: receipt }, file);
      if (input.current) input.current.value = '';
      onDone();
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'NETWORK';
      setError(
        code === 'PAYLOAD_TOO_LARGE'
          ? t('detail.file.tooLarge')
          : code === 'BAD_USER_INPUT' && err instanceof ApiError
            ? t('detail.file.refused', { message: err.message })
            : code === 'NETWORK' || code === 'SERVICE_UNAVAILABLE'
              ? t('error.network')
              : t('error.generic'),
      );
      input.current?.focus();
    } finally {
      setSending(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <h2>{t('detail.file.title')}</h2>
      <div className={`field${error ? ' has-error' : ''}`}>
        <label className="label" htmlFor="file">
          {t('detail.file.label')}
        </label>
        <p className="hint" id="file-hint">
          {maxBytes ? t('detail.file.hint', { limit: limitWords(maxBytes) }) : t('detail.file.hintNoLimit')}
        </p>
        <p className="hint" id="file-privacy">
          {t('detail.file.privacy')}
        </p>
        {error && (
          <p className="error-message" id="file-error" role="alert">
            {error}
          </p>
        )}
        <input
          id="file"
          name="file"
          type="file"
          ref={input}
          accept="image/jpeg,image/png,image/webp,application/pdf"
          aria-invalid={!!error}
          aria-describedby={['file-hint', 'file-privacy', error && 'file-error'].filter(Boolean).join(' ')}
          onChange={() => setError(null)}
        />
      </div>
      <button type="submit" className="button secondary" disabled={sending}>
        {t('detail.file.submit')}
      </button>
    </form>
  );
}
