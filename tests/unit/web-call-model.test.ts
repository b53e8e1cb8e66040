/**
 * The call form's model (src/web/src/screens/intake/model.ts), without a
 * browser: the hand-off time typed as "HH:MM" becomes an instant (yesterday
 * across midnight), the call notes and the caller's extras are sent only when
 * given, a language alone is not an identity, and the category filter.
 */
import { describe, expect, it } from 'vitest';

/** The parts of the model used here. The console's code is type-checked by its own tsconfig (src/web), so it is loaded by a computed path the server's tsc does not follow. */
interface CallerValues { name: string; phone: string; email: string; address: string; preferredContactTimes: string; mayRecontact: boolean; language: string; interpreter: string; safeContact: string; leaveMessage: '' | 'YES' | 'NO' }
interface CallValues { caller: CallerValues; handOff: { done: boolean; time: string; reference: string }; prompts: Record<string, string> }
interface ModelApi {
  callerGiven(c: CallerValues): boolean;
  callerIdentified(c: CallerValues): boolean;
  emptyCall(): CallValues;
  formPathOf(path: string[], v: CallValues): string | null;
  handOffInstant(time: string, now?: Date): string | null;
  matchingCategories(query: string): string[];
  toInput(v: CallValues, key: string): { caller: Record<string, unknown> | null; callNotes: Record<string, unknown> | null };
}
const MODEL = '../../src/web/src/screens/intake/model.js';
const { callerGiven, callerIdentified, emptyCall, formPathOf, handOffInstant, matchingCategories, toInput } = (await import(MODEL)) as ModelApi;

describe('the call form model', () => {
  it('reads the hand-off time as today, or yesterday when that is ahead of now', () => {
    const now = new Date(2026, 11, 6, 21, 30);
    expect(new Date(handOffInstant('21:07', now)!)).toEqual(new Date(2026, 11, 6, 21, 7));
    expect(new Date(handOffInstant('23:50', now)!)).toEqual(new Date(2026, 11, 5, 23, 50));
    expect(handOffInstant('24:00', now)).toBeNull();
    expect(handOffInstant('9.15', now)).toBeNull();
  });

  it('sends call notes only when something was noted, and the hand-off only when ticked', () => {
    const blank = emptyCall();
    expect(toInput(blank, 'key-00000001').callNotes).toBeNull();
    const noted = { ...blank, handOff: { done: false, time: '10:00', reference: 'CAD 1' }, prompts: { ...blank.prompts, weapons: '  a knife  ' } };
    expect(toInput(noted, 'key-00000001').callNotes).toEqual({ emergencyHandOff: null, dangerNow: null, where: null, when: null, who: null, vehicles: null, weapons: 'a knife', howKnown: null });
    const handedOff = { ...blank, handOff: { done: true, time: '', reference: '' } };
    expect(toInput(handedOff, 'key-00000001').callNotes).toMatchObject({ emergencyHandOff: { at: null, reference: null } });
  });

  it('sends the language and message permission in the caller block, and a language alone is not an identity', () => {
    const values = { ...emptyCall(), caller: { ...emptyCall().caller, language: 'Farsi', leaveMessage: 'NO' as const } };
    expect(callerGiven(values.caller)).toBe(true);
    expect(callerIdentified(values.caller)).toBe(false);
    expect(toInput(values, 'key-00000001').caller).toMatchObject({ name: null, language: 'Farsi', mayLeaveMessage: false, mayRecontact: false });
    expect(callerIdentified({ ...values.caller, phone: '020 7946 0000' })).toBe(true);
  });

  it('maps server errors on the call notes back to their fields', () => {
    const v = emptyCall();
    expect(formPathOf(['input', 'callNotes', 'weapons'], v)).toBe('prompts.weapons');
    expect(formPathOf(['input', 'callNotes', 'emergencyHandOff', 'reference'], v)).toBe('handOff.reference');
    expect(formPathOf(['input', 'callNotes', 'emergencyHandOff', 'at'], v)).toBe('handOff.time');
  });

  it('filters categories by the start of any word, every typed word matching', () => {
    expect(matchingCategories('stor')).toEqual(['STORAGE']);
    expect(matchingCategories('host rec')).toEqual(['HOSTILE_RECONNAISSANCE']);
    expect(matchingCategories('re')).toEqual(expect.arrayContaining(['HOSTILE_RECONNAISSANCE', 'RECRUITMENT_OR_BEHAVIOUR_CHANGE']));
    expect(matchingCategories('')).toHaveLength(11);
    expect(matchingCategories('zzz')).toEqual([]);
  });
});
