/** Every locale file in locales/, picked up by the build: a new language is a new file, not a code change. */
/// <reference types="vite/client" />
import { localeOfPath, type Messages } from './i18n.js';

const files = import.meta.glob<Messages>('../locales/*.json', { eager: true, import: 'default' });

export const LOCALES: Record<string, Messages> = Object.fromEntries(Object.entries(files).map(([path, messages]) => [localeOfPath(path), messages]));
