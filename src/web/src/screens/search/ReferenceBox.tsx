/**
 * "Open by reference": type an ATH reference, open its report. An unknown
 * reference says so; one held by a desk you may not read gets the
 * deconfliction message (that it exists, not what it says).
 */
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, plainMessage, request } from '../../api/client';
import { TextField } from '../../ui/ui';
import { OPEN_BY_REFERENCE } from './operations';

const NOT_FOUND = 'No report with that reference. Check it and try again.';

/** Plain words for what went wrong opening `reference`. */
function messageFor(error: unknown, reference: string): string {
  if (error instanceof ApiError && error.code === 'NOT_FOUND') return NOT_FOUND;
  if (error instanceof ApiError && error.code === 'FORBIDDEN') {
    return `${reference} is held by another desk: you may not read it. Contact that desk (a supervisor can put you in touch) before acting on it.`;
  }
  return plainMessage(error);
}

export function ReferenceBox() {
  const navigate = useNavigate();
  const [reference, setReference] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function open(e: FormEvent) {
    e.preventDefault();
    const wanted = reference.trim().toUpperCase();
    if (!wanted) {
      setError('Enter a reference, for example ATH-2026-000123.');
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const found = (await request(OPEN_BY_REFERENCE, { reference: wanted })).reportByReference;
      if (!found) setError(NOT_FOUND);
      else navigate(`/reports/${found.id}`);
    } catch (err) {
      setError(messageFor(err, wanted));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="reference-box" onSubmit={(e) => void open(e)} noValidate aria-label="Open by reference">
      <TextField
        id="open-reference"
        label="Open a report by reference"
        hint="For example ATH-2026-000123"
        autoComplete="off"
        spellCheck={false}
        value={reference}
        onChange={(e) => setReference(e.target.value)}
        error={error}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Opening…' : 'Open'}
      </button>
    </form>
  );
}
