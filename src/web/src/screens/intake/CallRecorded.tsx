/**
 * What the handler sees once the call is recorded: the reference, large,
 * with a copy button; the 999 instruction when the threat is imminent; and
 * "Record another call", which starts an empty form with a new idempotency key.
 */
import { useEffect, useRef, useState } from 'react';

export interface Recorded {
  reference: string;
  urgentAction: string | null | undefined;
}

export function CallRecorded({ recorded, onAnother }: { recorded: Recorded; onAnother: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => heading.current?.focus(), []);
  const copyReference = async () => {
    try {
      await navigator.clipboard.writeText(recorded.reference);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };
  return (
    <section aria-labelledby="call-recorded">
      <h1 id="call-recorded" ref={heading} tabIndex={-1}>
        Call recorded
      </h1>
      {recorded.urgentAction && (
        <div className="alert urgent" role="alert">
          <p>{recorded.urgentAction}</p>
        </div>
      )}
      <div className="alert ok">
        <p>Give the caller this reference if they need one, and note it in the call log.</p>
        <p className="reference" id="call-reference">
          {recorded.reference}
        </p>
      </div>
      <div className="actions">
        <button type="button" onClick={() => void copyReference()} aria-describedby="call-reference">
          Copy reference
        </button>
        <span role="status" aria-live="polite">
          {copy === 'copied' ? 'Copied' : copy === 'failed' ? 'Could not copy: select the reference and copy it by hand.' : ''}
        </span>
      </div>
      <div className="actions">
        <button type="button" className="primary" onClick={onAnother}>
          Record another call
        </button>
      </div>
    </section>
  );
}
