/**
 * Call handler: record a call. Holds the idempotency key for the call being
 * typed (the kept draft's, or made when the form opens; renewed only by
 * "Record another call") and swaps the form for the reference once the call
 * is recorded. The form itself is in intake/CallForm.tsx.
 */
import { useState } from 'react';
import { useDrafts } from '../session/drafts';
import { CallForm } from './intake/CallForm';
import { CallRecorded, type Recorded } from './intake/CallRecorded';
import type { CallValues } from './intake/model';

export function RecordCall() {
  const drafts = useDrafts();
  // The draft kept when the handler left this screen (or the screen locked) mid-call.
  const [restored] = useState(() => drafts.get<CallValues>('call'));
  const [idempotencyKey, setKey] = useState(() => restored?.idempotencyKey ?? crypto.randomUUID());
  const [recorded, setRecorded] = useState<Recorded | null>(null);
  if (recorded) {
    return (
      <CallRecorded
        recorded={recorded}
        onAnother={() => {
          setKey(crypto.randomUUID());
          setRecorded(null);
        }}
      />
    );
  }
  // Keyed by the idempotency key: a new call is a new form, with every field empty.
  return (
    <>
      {restored?.idempotencyKey === idempotencyKey && (
        <div className="alert warn" role="status">
          <p>The call you were recording is back as you left it. It is not recorded yet.</p>
        </div>
      )}
      <CallForm key={idempotencyKey} idempotencyKey={idempotencyKey} restored={restored?.idempotencyKey === idempotencyKey ? restored : null} onRecorded={setRecorded} />
    </>
  );
}
