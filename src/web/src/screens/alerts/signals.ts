/**
 * The signals besides the banner: a short two-tone sound generated with the
 * Web Audio API (no file shipped) and a browser notification. Both are
 * extras: browsers play sound only after the page has had a click or key
 * press, and show notifications only when permitted on HTTPS or localhost;
 * the banner and the title badge work without either.
 */
import { soundEnabled } from './preferences';

let audio: AudioContext | null = null;

/**
 * Browsers start an AudioContext suspended until a user gesture: create or
 * resume it on the first click or key press anywhere, once.
 */
export function unlockSoundOnFirstGesture() {
  const unlock = () => {
    try {
      audio ??= new AudioContext();
      void audio.resume();
    } catch {
      audio = null; // no Web Audio: silent
    }
    window.removeEventListener('pointerdown', unlock, true);
    window.removeEventListener('keydown', unlock, true);
  };
  window.addEventListener('pointerdown', unlock, true);
  window.addEventListener('keydown', unlock, true);
  return () => {
    window.removeEventListener('pointerdown', unlock, true);
    window.removeEventListener('keydown', unlock, true);
  };
}

/** Two short tones (about half a second), when sound is on and the browser allows it. */
export function playAlertSound(force = false) {
  if (!force && !soundEnabled()) return;
  try {
    audio ??= new AudioContext();
    if (audio.state !== 'running') void audio.resume();
    const start = audio.currentTime + 0.02;
    [880, 660].forEach((freq, i) => {
      const osc = audio!.createOscillator();
      const gain = audio!.createGain();
      const t = start + i * 0.22;
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.3, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.2);
      osc.connect(gain).connect(audio!.destination);
      osc.start(t);
      osc.stop(t + 0.21);
    });
  } catch {
    /* no Web Audio: the banner and title still say it */
  }
}

/** Whether this page may ever show notifications (HTTPS or localhost, and the API exists). */
export const notificationsPossible = () => typeof Notification !== 'undefined' && window.isSecureContext;

/** A browser notification naming the report by reference, priority and desk (nothing of its content). */
export function showAlertNotification(alert: { reportId: string; reference: string; desk: string; priority: string }, escalated: boolean) {
  if (!notificationsPossible() || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(`${alert.priority} report ${escalated ? 'escalated' : 'waiting'} on ${alert.desk}`, {
      body: `${alert.reference}: unclaimed. Open the console to claim it.`,
      tag: `urgent-${alert.reportId}`,
    });
    n.onclick = () => window.focus();
  } catch {
    /* some browsers only allow notifications from a service worker: the banner still shows */
  }
}
