/**
 * Every word the partner portal shows comes from one file per language (locales/<code>.json); this is the whole
 * lookup. A language is added by adding its file: the build picks up every file in locales/ (main.tsx), and
 * `pickLocale` chooses one without any code change. Chosen by `?lang=<code>` in the address first (a link a
 * caseworker can share, and nothing to keep in the browser: the portal keeps no storage), then by the browser's
 * own languages (what it sends as Accept-Language), then English. English fills any key a translation lacks.
 */
export type Messages = Record<string, string>;

export const DEFAULT_LOCALE = 'en';

/** The locale code a file path names (`../locales/cy.json` → `cy`). */
export const localeOfPath = (path: string) => path.replace(/^.*\//, '').replace(/\.json$/, '');

/** The best available locale for `?lang=` and the browser's languages (`cy-GB` matches `cy`). */
export function pickLocale(available: readonly string[], search: string, languages: readonly string[]): string {
  const asked = new URLSearchParams(search).get('lang');
  const wanted = [...(asked ? [asked] : []), ...languages].map((l) => l.toLowerCase());
  for (const w of wanted) {
    if (available.includes(w)) return w;
    const base = w.split('-')[0]!;
    if (available.includes(base)) return base;
  }
  return DEFAULT_LOCALE;
}

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** `t(key, { name })`: the chosen language's words, English where it has none, `{name}` filled in. */
export function translator(chosen: Messages, fallback: Messages): Translate {
  return (key, vars) => {
    const text = chosen[key] ?? fallback[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
  };
}
