/**
 * A new partner's API key (or a rotated one), shown once: only its hash is stored, so it can
 * never be shown again. It lives in this component's memory only and is gone
 * when the admin navigates away or says it is stored.
 */
import { useRef, useState } from 'react';
import { formatTime } from '../../ui/ui';

export function PartnerKeyPanel({ name, apiKey, previousKeyExpiresAt, onDismiss }: { name: string; apiKey: string; previousKeyExpiresAt?: string; onDismiss(): void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const keyRef = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(apiKey);
      setCopied('yes');
    } catch {
      // No clipboard permission: select the key so Ctrl+C copies it.
      keyRef.current?.select();
      setCopied('failed');
    }
  };
  return (
    <div className="alert warn key-once" role="alert" aria-labelledby="key-title">
      <h2 id="key-title">{previousKeyExpiresAt ? 'New API key' : 'API key'} for {name}</h2>
      <p>
        <strong>Copy this key now and give it to the partner by a secure channel. It cannot be shown again:</strong> the service keeps only a hash of it.
      </p>
      {previousKeyExpiresAt && <p>Their previous key keeps working until {formatTime(previousKeyExpiresAt)}, then stops.</p>}
      <div className="field">
        <label htmlFor="partner-api-key">API key</label>
        <input id="partner-api-key" ref={keyRef} className="mono api-key" readOnly value={apiKey} spellCheck={false} onFocus={(e) => e.target.select()} />
      </div>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy key
        </button>
        <button type="button" onClick={onDismiss}>
          I have stored the key
        </button>
        <span role="status">{copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'Could not copy: the key is selected, press Ctrl+C.' : ''}</span>
      </div>
    </div>
  );
}
