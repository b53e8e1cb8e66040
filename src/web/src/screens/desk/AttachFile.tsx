/**
 * One file input and its button (docs/attachments.md), for a call handler attaching what a caller sent and an
 * investigator filing evidence. The server sniffs the type from the bytes and refuses what it does not take; its
 * words are shown next to the field, which takes the focus back so the person can choose another file. The size
 * limit is the server's (ATTACHMENT_MAX_BYTES, from the session): said in the hint, and a larger file is refused
 * here at once rather than after its upload.
 */
import { useId, useRef, useState, type FormEvent } from 'react';
import { plainMessage } from '../../api/client';
import { useSession } from '../../session/session';

/** The types the server takes, offered first by the browser's file picker (the server still decides by the bytes). */
const ACCEPT = 'image/jpeg,image/png,image/webp,application/pdf';

/** `send` answers null when the file was taken, else the words to show (or throws an ApiError). */
export function AttachFile(props: { label: string; hint: string; button: string; send: (file: File) => Promise<string | null> }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const maxBytes = useSession().session?.attachmentMaxBytes;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) {
      setError('Select a file to attach.');
      input.current?.focus();
      return;
    }
    if (maxBytes && file.size > maxBytes) {
      setError(`The file is ${formatSize(file.size)}, larger than the ${limitWords(maxBytes)} limit: choose a smaller file.`);
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    let failed: string | null;
    try {
      failed = await props.send(file);
    } catch (err) {
      failed = plainMessage(err);
    }
    setBusy(false);
    if (failed) {
      setError(failed);
      input.current?.focus();
    } else if (input.current) input.current.value = '';
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <div className="field">
        <label htmlFor={id}>{props.label}</label>
        <span className="hint" id={`${id}-hint`}>
          {props.hint}
          {maxBytes ? ` Up to ${limitWords(maxBytes)}.` : ''}
        </span>
        <input
          ref={input}
          id={id}
          type="file"
          accept={ACCEPT}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
          onChange={() => setError(null)}
        />
        {error && (
          <span className="field-error" id={`${id}-error`} role="alert">
            {error}
          </span>
        )}
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : props.button}
        </button>
      </div>
    </form>
  );
}

/** What the sender may know of a file: its type and size, in words. */
export const TYPE_WORDS: Record<string, { words: string; ext: string }> = {
  'image/jpeg': { words: 'JPEG image', ext: 'jpg' },
  'image/png': { words: 'PNG image', ext: 'png' },
  'image/webp': { words: 'WebP image', ext: 'webp' },
  'application/pdf': { words: 'PDF document', ext: 'pdf' },
};

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A limit as configured people say it: "20 MB", not "20.0 MB". */
const limitWords = (bytes: number) => (bytes >= 1024 * 1024 ? `${Number((bytes / (1024 * 1024)).toFixed(1))} MB` : formatSize(bytes));
