/**
 * Call handler: record a call. Holds the idempotency key for the call being
 * typed (made when the form opens, renewed only by "Record another call")
 * and swaps the form for the reference once the call is recorded. The form
 * itself is in intake/CallForm.tsx.
 */
import { useState } from 'react';
import { CallForm } from './intake/CallForm';
import { CallRecorded, type Recorded } from './intake/CallRecorded';

export function RecordCall() {
  const [idempotencyKey, setKey] = useState(() => crypto.randomUUID());
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
  return <CallForm key={idempotencyKey} idempotencyKey={idempotencyKey} onRecorded={setRecorded} />;
}
