import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { DEFAULT_LOCALE, pickLocale, translator } from './i18n';
import { LOCALES } from './locales';
import './styles.css';

const locale = pickLocale(Object.keys(LOCALES), window.location.search, navigator.languages ?? []);
document.documentElement.lang = locale === DEFAULT_LOCALE ? 'en-GB' : locale;
const t = translator(LOCALES[locale] ?? {}, LOCALES[DEFAULT_LOCALE] ?? {});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App t={t} />
  </StrictMode>,
);
