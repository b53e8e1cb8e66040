/**
 * A partner organisation's own key (caseworker names, its activity log) is opened by the partner's own session
 * code only: src/partners/org-keys.ts is imported by src/partners/accounts.ts and nothing else under src/ or
 * scripts/, so no police-side code path can open it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

function sources(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(PROJECT_ROOT, path)).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return /\.(ts|tsx|mts|mjs)$/.test(name) ? [path] : [];
  });
}

it('only src/partners/accounts.ts imports the organisation key module', () => {
  const importers = [...sources('src'), ...sources('scripts')].filter((path) => /from\s+['"][./]*[\w/.-]*org-keys(\.js)?['"]/.test(readFileSync(join(PROJECT_ROOT, path), 'utf8')));
  expect(importers.map((p) => relative('.', p))).toEqual(['src/partners/accounts.ts']);
});

