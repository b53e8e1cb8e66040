/**
 * Account: how urgent reports get this user's attention. The banner and the
 * tab title always show them; the sound can be turned off (a preference of
 * this browser, in localStorage), and browser notifications are asked for
 * here, from a click, as browsers require.
 */
import { useState } from 'react';
import { Checkbox } from '../../ui/ui';
import { setSoundEnabled, soundEnabled } from './preferences';
import { notificationsPossible, playAlertSound } from './signals';

export function AlertSettings() {
  const [sound, setSound] = useState(soundEnabled);
  const [permission, setPermission] = useState<NotificationPermission | 'unavailable'>(notificationsPossible() ? Notification.permission : 'unavailable');

  async function askPermission() {
    setPermission(await Notification.requestPermission());
  }

  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">Urgent report alerts</h2>
      <p>
        When a P1 or imminent-threat report waits unclaimed on your desk, a red banner and the tab title say so on every screen until someone claims it.
      </p>
      <Checkbox
        label="Play a sound when an urgent report arrives"
        checked={sound}
        onChange={(e) => {
          setSoundEnabled(e.target.checked);
          setSound(e.target.checked);
        }}
      />
      <p className="hint">The browser plays it only after you have clicked or typed somewhere in the console.</p>
      <div className="actions">
        <button type="button" onClick={() => playAlertSound(true)}>
          Play the sound
        </button>
      </div>
      <h3>Browser notifications</h3>
      {permission === 'unavailable' ? (
        <p>This browser cannot show notifications from this address (they need HTTPS or localhost).</p>
      ) : permission === 'granted' ? (
        <p>Notifications are on: an urgent report also shows a notification outside the console.</p>
      ) : permission === 'denied' ? (
        <p>Notifications are blocked for this site. Allow them in your browser&apos;s site settings if you want them.</p>
      ) : (
        <div className="actions">
          <button type="button" onClick={() => void askPermission()}>
            Allow browser notifications
          </button>
        </div>
      )}
    </section>
  );
}
