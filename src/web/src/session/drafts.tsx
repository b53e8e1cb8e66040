/**
 * Forms being typed while a caller talks (a new call, a follow-up), kept in
 * this tab's memory only, never in browser storage: a handler who opens "My
 * submissions" mid-call, or is locked out by the idle timer, comes back to
 * the same words and the same idempotency key. A draft belongs to the user
 * who typed it; the session (session.tsx) discards it when anyone else signs
 * in. Closing or reloading the tab still loses it, so the browser is asked to
 * warn first while one exists.
 *
 * Short texts typed into a dialog (a link review's reason, keyed by the
 * pair: screens/desk/LinkReview.tsx) are kept the same way, in memory only,
 * as `notes`: discarded with the drafts (`discardAll`: sign-out, another
 * user signing in, an idle sign-out), and the browser warns before a reload
 * or close while one exists. A note alone does not make the idle timer lock
 * rather than sign out: it is a sentence or two, not a call in progress.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { FieldValues, UseFormReturn } from 'react-hook-form';

/** The forms that keep a draft, and where each is typed (the header links back to it). */
export const DRAFT_FORMS = {
  call: { path: '/call', label: 'Call being recorded' },
  followUp: { path: '/follow-up', label: 'Follow-up being recorded' },
} as const;
export type DraftName = keyof typeof DRAFT_FORMS;

export interface Draft<V = unknown> {
  values: V;
  /** The same key for every attempt to send this draft, so it is recorded once. */
  idempotencyKey: string;
  /** The first key press (the call timer's start, sent as `receivedAt`); null until then. */
  startedAt: number | null;
  /** The call's length as first sent: a retry must send exactly the same input. */
  sentDurationSeconds: number | null;
}

interface DraftState {
  /** The draft under `name`, or null. */
  get<V>(name: DraftName): Draft<V> | null;
  /** Keeps (or replaces) a draft; `null` removes it. */
  put<V>(name: DraftName, draft: Draft<V> | null): void;
  /** Names of the drafts kept now (re-renders its readers when the set changes). */
  names: DraftName[];
  /** A dialog's typed fields under `key`, or null. */
  getNote(key: string): Record<string, string> | null;
  /** Keeps a dialog's typed fields under `key`; `null` (or every field empty) removes them. */
  putNote(key: string, fields: Record<string, string> | null): void;
  /** Drafts and notes alike. */
  discardAll(): void;
}

const DraftContext = createContext<DraftState | null>(null);

export function useDrafts(): DraftState {
  const d = useContext(DraftContext);
  if (!d) throw new Error('useDrafts outside DraftProvider');
  return d;
}

export function DraftProvider({ children }: { children: ReactNode }) {
  // In a ref: a key press updates the draft without re-rendering the console.
  const drafts = useRef(new Map<DraftName, Draft>());
  const [names, setNames] = useState<DraftName[]>([]);
  const notes = useRef(new Map<string, Record<string, string>>());
  const [noted, setNoted] = useState(false);
  const sync = useCallback(() => {
    const now = [...drafts.current.keys()];
    setNames((old) => (old.length === now.length && old.every((n) => now.includes(n)) ? old : now));
  }, []);

  useEffect(() => {
    if (names.length === 0 && !noted) return;
    // Reload and close lose a draft kept in memory: the browser asks first (its own wording; ours is not shown).
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [names.length, noted]);

  const value = useMemo<DraftState>(
    () => ({
      get: <V,>(name: DraftName) => (drafts.current.get(name) as Draft<V> | undefined) ?? null,
      put: (name, draft) => {
        if (draft) drafts.current.set(name, draft);
        else drafts.current.delete(name);
        sync();
      },
      names,
      getNote: (key) => notes.current.get(key) ?? null,
      putNote: (key, fields) => {
        if (fields && Object.values(fields).some((v) => v.trim())) notes.current.set(key, { ...fields });
        else notes.current.delete(key);
        setNoted(notes.current.size > 0);
      },
      discardAll: () => {
        drafts.current.clear();
        notes.current.clear();
        setNoted(false);
        sync();
      },
    }),
    [names, sync],
  );
  return <DraftContext.Provider value={value}>{children}</DraftContext.Provider>;
}

/**
 * Keeps a form's values as the draft `name`: on every change and when its
 * screen closes; nothing once `finished()` says the draft was recorded. An
 * empty form with nothing sent keeps no draft. `meta` is read at each save
 * (the key and the timer may change); `onChange` runs first on each change
 * of a field.
 */
export function useDraftKeeper<V extends FieldValues>(
  name: DraftName,
  form: UseFormReturn<V>,
  opts: { meta(): Omit<Draft<V>, 'values'>; isEmpty(values: V): boolean; finished(): boolean; onChange?(): void },
): () => void {
  const drafts = useDrafts();
  const latest = useRef({ opts, drafts });
  latest.current = { opts, drafts };
  const keep = useCallback(() => {
    const { opts: o, drafts: d } = latest.current;
    if (o.finished()) return;
    const values = structuredClone(form.getValues());
    const meta = o.meta();
    if (o.isEmpty(values) && meta.sentDurationSeconds === null) d.put(name, null);
    else d.put<V>(name, { values, ...meta });
  }, [form, name]);
  useEffect(() => {
    const sub = form.watch((_values, { name }) => {
      // A field the person changed (a reset or a field registering names none): only that starts a call's timer.
      if (name) latest.current.opts.onChange?.();
      keep();
    });
    return () => {
      sub.unsubscribe();
      keep();
    };
  }, [form, keep]);
  return keep;
}

/** Deep equality of two form values (plain objects, arrays, strings, numbers, booleans), key order aside. */
export function sameValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValues(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => sameValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** "03:07" for 187 seconds; hours when a call runs past one. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}
