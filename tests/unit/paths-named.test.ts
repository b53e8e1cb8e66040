/**
 * Every file path a comment or a document names exists: "see
 * src/reports/store/links.ts" in a comment, the README or docs/ must not
 * outlive a move. A path with folders resolves from the repository root, from
 * src/ or from the naming file's folder; a bare file name in a src/ comment
 * ("see links.ts") must be a file in the same folder, so that a reader finds
 * it where they stand.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const texts = tracked.filter((f) => /\.(ts|tsx|mjs|md)$/.test(f) && !f.startsWith('src/web/src/gql/') && existsSync(join(ROOT, f)));

/** Words shaped like a file name that are not one (a CSS-like suffix, an example in this test). */
const NOT_PATHS = new Set(['-schema.ts', 'test.ts', 'crypto/a.ts']);
const WITH_FOLDERS = /(?<![\w@/.-])((?:[\w.-]+\/)+[\w.-]+\.(?:ts|tsx|mjs|md|graphql|yml))(?![\w-])/g;
const BARE = /(?<![\w@/.-])([\w-]+\.(?:ts|tsx|mjs))(?![\w/-])/g;

function missingPaths(): string[] {
  const missing: string[] = [];
  for (const file of texts) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const [, path] of text.matchAll(WITH_FOLDERS)) {
      if (NOT_PATHS.has(path!) || path!.includes('node_modules') || /^(https?|www)\b/.test(path!)) continue;
      const candidates = [path!, join('src', path!), join(dirname(file), path!), join('src/web/src', path!)];
      if (!candidates.some((c) => existsSync(join(ROOT, c)))) missing.push(`${file}: ${path}`);
    }
  }
  return missing;
}

function strayBareNames(): string[] {
  const stray: string[] = [];
  for (const file of texts.filter((f) => f.startsWith('src/') && !f.startsWith('src/web/'))) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const [, name] of text.matchAll(BARE)) {
      if (NOT_PATHS.has(name!) || name === basename(file)) continue;
      if (!existsSync(join(ROOT, dirname(file), name!))) stray.push(`${file}: ${name}`);
    }
  }
  return stray;
}

describe('paths named in comments and docs', () => {
  it('reads the repository (README, docs, src, scripts, tests)', () => {
    expect(texts.length).toBeGreaterThan(300);
    expect(texts).toContain('README.md');
  });

  it('every path with folders exists', () => {
    expect(missingPaths()).toEqual([]);
  });

  it('every bare file name in a src/ comment is a file of the same folder', () => {
    expect(strayBareNames()).toEqual([]);
  });
});
