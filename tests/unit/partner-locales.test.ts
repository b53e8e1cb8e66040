/**
 * The partner portal's words live in one file per language (src/partner-web/locales/): every key the pages ask
 * for is in the English file, and a second language is picked up by adding its file, with no code change. The
 * new file is written here, then the portal's own locale module (the same `import.meta.glob` the Vite build
 * runs) is loaded and must offer it, chosen by `?lang=` first and by the browser's languages (Accept-Language)
 * otherwise, English filling what it lacks.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { pickLocale, translator } from '../../src/partner-web/src/i18n.js';
import { PARTNER_ACTIVITY_ACTIONS } from '../../src/partners/accounts.js';
import { ACTIVITY_ACTIONS, BOROUGHS, CATEGORIES } from '../../src/partner-web/src/vocabulary.js';

const WEB = join(PROJECT_ROOT, 'src', 'partner-web');
const english = JSON.parse(readFileSync(join(WEB, 'locales', 'en.json'), 'utf8')) as Record<string, string>;
const added = join(WEB, 'locales', 'xx-test.json');
afterAll(() => rmSync(added, { force: true }));

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? sources(join(dir, n)) : /\.tsx?$/.test(n) ? [join(dir, n)] : []));

describe('the partner portal words', () => {
  it('has every key the pages ask for in the English file', () => {
    const asked = sources(join(WEB, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([^']+)'/g)].map((m) => m[1]!));
    expect(asked.length).toBeGreaterThan(40);
    expect(asked.filter((k) => !(k in english))).toEqual([]);
    // Keys built from the server's closed lists: one for each value.
    const listed = [...CATEGORIES.map((c) => `category.${c}`), ...BOROUGHS.map((b) => `borough.${b}`), ...['RECEIVED', 'UNDER_REVIEW', 'CLOSED'].map((s) => `state.${s}`), ...PARTNER_ACTIVITY_ACTIONS.map((a) => `activity.action.${a}`)];
    // The portal's copy of the server's activity actions is the server's list.
    expect([...ACTIVITY_ACTIONS].sort()).toEqual([...PARTNER_ACTIVITY_ACTIONS].sort());
    expect(listed.filter((k) => !(k in english))).toEqual([]);
  });

  it('picks up a second language by its file alone: ?lang= first, then the browser languages, English for the rest', async () => {
    writeFileSync(added, JSON.stringify({ _language: 'Test', 'passOn.title': 'XX-MARKER pass on' }));
    const { LOCALES } = await import('../../src/partner-web/src/locales.js');
    expect(Object.keys(LOCALES).sort()).toEqual(expect.arrayContaining(['en', 'xx-test']));
    const available = Object.keys(LOCALES);
    expect(pickLocale(available, '?lang=xx-test', ['en-GB'])).toBe('xx-test');
    expect(pickLocale(available, '', ['xx-test', 'en'])).toBe('xx-test');
    expect(pickLocale(available, '?lang=fr', ['de-DE'])).toBe('en');
    expect(pickLocale(available, '', ['en-GB'])).toBe('en');
    const t = translator(LOCALES['xx-test']!, LOCALES.en!);
    expect(t('passOn.title')).toBe('XX-MARKER pass on');
    expect(t('passOn.submit')).toBe(english['passOn.submit']);
    expect(t('error.retrying', { seconds: 3 })).toContain('3');
  });
});
