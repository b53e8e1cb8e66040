/**
 * The console's small component set: labelled fields, buttons, alerts,
 * loading and empty states, a modal dialog. Plain HTML elements with their
 * native semantics, so keyboard and screen readers work without extra code.
 */
import { forwardRef, useEffect, useId, useRef, type ReactNode, type InputHTMLAttributes, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { plainMessage } from '../api/client';

type FieldProps = { label: string; error?: string | undefined; hint?: string };

/** The label, hint and announced error around one control; `control` gets the id and ARIA attributes to wire. */
function FieldFrame({ label, hint, error, id, control }: FieldProps & { id: string; control: (aria: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && <span className="hint" id={`${id}-hint`}>{hint}</span>}
      {control({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy(id, hint, error) })}
      {error && <span className="field-error" id={`${id}-error`} role="alert">{error}</span>}
    </div>
  );
}

/** A text input with a visible label, an optional hint and its error announced next to it. */
export const TextField = forwardRef<HTMLInputElement, FieldProps & InputHTMLAttributes<HTMLInputElement>>(function TextField({ label, error, hint, id, ...rest }, ref) {
  const auto = useId();
  return <FieldFrame label={label} error={error} hint={hint} id={id ?? auto} control={(aria) => <input ref={ref} {...aria} {...rest} />} />;
});

export const TextArea = forwardRef<HTMLTextAreaElement, FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>>(function TextArea({ label, error, hint, id, ...rest }, ref) {
  const auto = useId();
  return <FieldFrame label={label} error={error} hint={hint} id={id ?? auto} control={(aria) => <textarea ref={ref} {...aria} {...rest} />} />;
});

export const Select = forwardRef<HTMLSelectElement, FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { options: readonly (string | { value: string; label: string })[]; placeholder?: string }>(
  function Select({ label, error, hint, id, options, placeholder, ...rest }, ref) {
    const auto = useId();
    return (
      <FieldFrame
        label={label}
        error={error}
        hint={hint}
        id={id ?? auto}
        control={(aria) => (
          <select ref={ref} {...aria} {...rest}>
            {placeholder !== undefined && <option value="">{placeholder}</option>}
            {options.map((o) => {
              const { value, label: text } = typeof o === 'string' ? { value: o, label: humanise(o) } : o;
              return (
                <option key={value} value={value}>
                  {text}
                </option>
              );
            })}
          </select>
        )}
      />
    );
  },
);

export const Checkbox = forwardRef<HTMLInputElement, { label: string } & InputHTMLAttributes<HTMLInputElement>>(function Checkbox({ label, id, ...rest }, ref) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <div className="checkbox">
      <input type="checkbox" id={fid} ref={ref} {...rest} />
      <label htmlFor={fid}>{label}</label>
    </div>
  );
});

function describedBy(id: string, hint?: string, error?: string) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

/** An error in plain words, announced to screen readers, with an optional retry. */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="alert error" role="alert">
      <p>{plainMessage(error)}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** An error already in plain words, announced. */
export function AlertText({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return (
    <div className="alert error" role="alert">
      <p>{text}</p>
    </div>
  );
}

/** A form's error (if any) and its submit button, which says what it is doing while busy. */
export function FormFooter({ error, busy, label, busyLabel }: { error: string | null | undefined; busy: boolean; label: string; busyLabel: string }) {
  return (
    <>
      <AlertText text={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? busyLabel : label}
        </button>
      </div>
    </>
  );
}

/** The part of a mutation (react-query's useMutation) a dialog shows: its error, whether it runs, and forgetting its error. */
export interface MutationState {
  error: unknown;
  isPending: boolean;
  reset: () => void;
}

/**
 * "Are you sure?" for a destructive action: what will happen, the error if it
 * failed, confirm and cancel. Closing it forgets the action's error.
 */
export function ConfirmDialog(props: { open: boolean; title: string; children: ReactNode; action: MutationState; labels: { confirm: string; busy: string }; onConfirm: () => void; onClose: () => void }) {
  const { action } = props;
  const close = () => {
    props.onClose();
    action.reset();
  };
  return (
    <Dialog open={props.open} title={props.title} onClose={close}>
      {props.children}
      <ErrorMessage error={action.error} />
      <DialogButtons kind="danger" label={props.labels.confirm} busyLabel={props.labels.busy} busy={action.isPending} onAct={props.onConfirm} onCancel={close} />
    </Dialog>
  );
}

/**
 * A dialog's two buttons: its one action (its busy words while it runs) and
 * Cancel. `submit` makes the action the form's submit button; otherwise it
 * runs `onAct`.
 */
export function DialogButtons(props: { label: string; busyLabel: string; busy: boolean; disabled?: boolean; kind?: 'primary' | 'danger'; submit?: boolean; onAct?: () => void; onCancel: () => void }) {
  return (
    <div className="actions">
      <button type={props.submit ? 'submit' : 'button'} className={props.kind ?? 'primary'} onClick={props.submit ? undefined : props.onAct} disabled={props.busy || props.disabled}>
        {props.busy ? props.busyLabel : props.label}
      </button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A modal dialog (native <dialog>: focus trapped, Escape closes). */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <h2 id={titleId}>{title}</h2>
      {open && children}
    </dialog>
  );
}

/** ENUM_VALUE → "Enum value"; a code with digits (a desk: SO12) stays as it is. */
export function humanise(value: string): string {
  if (/^[A-Z]+\d+$/.test(value)) return value;
  const s = value.replace(/_/g, ' ').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const SMALL_WORDS = new Set(['and', 'of', 'upon']);

/** A borough as the call form writes it: KINGSTON_UPON_THAMES → "Kingston upon Thames"; UNKNOWN → "Unknown / not given". */
export function boroughName(value: string): string {
  if (value === 'UNKNOWN') return 'Unknown / not given';
  return value
    .toLowerCase()
    .split('_')
    .map((w, i) => (i > 0 && SMALL_WORDS.has(w) ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' });
}

/** "12 min ago", "3 h ago", "2 d ago". */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** Time left until a deadline, or how long it is overdue. */
export function countdown(iso: string | null | undefined, now = Date.now()): { text: string; overdue: boolean } {
  if (!iso) return { text: '—', overdue: false };
  const ms = new Date(iso).getTime() - now;
  const overdue = ms < 0;
  const s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const text = h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${sec} s` : `${sec} s`;
  return { text: overdue ? `overdue by ${text}` : text, overdue };
}

/** A short confirmation of what just happened, announced politely (the live region is always there, so the message is read out when it appears). */
export function Notice({ message }: { message: string | null | undefined }) {
  return (
    <div role="status" aria-live="polite">
      {message && (
        <div className="alert ok">
          <p>{message}</p>
        </div>
      )}
    </div>
  );
}

/** What a query (react-query's useQuery or useInfiniteQuery) offers a screen. */
export interface QueryLike<T> {
  isLoading: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

/**
 * A query's states in one place: "Loading…"; its error in plain words with
 * Retry (instead of the content when there is none yet, after it when there
 * is, e.g. a refresh or a further page failed); the empty message; or the
 * content.
 */
export function QueryState<T>({
  query,
  loading,
  isEmpty,
  empty,
  retryWithData,
  children,
}: {
  query: QueryLike<T>;
  loading: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  /** What Retry does when the error came with data already shown (e.g. a further page failed); otherwise it refetches. */
  retryWithData?: () => void;
  children: (data: T) => ReactNode;
}) {
  const refetch = () => void query.refetch();
  if (query.isLoading) return <Loading what={loading} />;
  if (query.data === undefined) return <ErrorMessage error={query.error} onRetry={refetch} />;
  return (
    <>
      {isEmpty?.(query.data) ? <Empty>{empty}</Empty> : children(query.data)}
      <ErrorMessage error={query.error} onRetry={retryWithData ?? refetch} />
    </>
  );
}
