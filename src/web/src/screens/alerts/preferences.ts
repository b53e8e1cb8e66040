/**
 * The alert sound's on/off switch, kept in localStorage: a preference of
 * this browser, never report content (nothing about any report is stored).
 */
const SOUND_KEY = 'hotline-console.alert-sound';

/** On unless this browser's user turned it off. */
export function soundEnabled(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) !== 'off';
  } catch {
    return true;
  }
}

export function setSoundEnabled(on: boolean) {
  try {
    localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  } catch {
    /* storage refused (private mode): the sound stays at its default */
  }
}
