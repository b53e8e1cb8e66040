/**
 * Each rule the project keeps in one place (README "Architecture", docs/workflow.md) names the test that guards
 * it, in one `Guarded by: tests/…` line of its file's header comment, and that test exists. A rule whose test is
 * renamed or deleted, or a header that names a test that never existed, fails here. Also: every test file a
 * comment in src/ or scripts/ names exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

/** The "one place" rules: when one moves, its path changes here. */
const RULE_FILES = [
  'src/auth/policy.ts', // the authorisation table
  'src/auth/separation.ts', // the separation of duties
  'src/reports/rules/state-machine.ts', // the status workflow
  'src/triage/rules.ts', // the routing rules
  'src/reports/model/encrypted-fields.ts', // what is encrypted, what is plaintext and why
  'src/audit/labels.ts', // audit actions in words
  'src/intake/limits.ts', // the intake input limits, shared with the console
  'src/reports/rules/access.ts', // the row-level rules for reports
  'src/tasks/index.ts', // the background tasks the worker runs
  'src/queue/redis.ts', // where Redis is and how its clients reconnect (URL or Sentinel)
  'src/migrations/index.ts', // the store migrations, in order
  'src/partners/org-keys.ts', // the one door to a partner organisation's own key
  'src/reports/model/london-tiles.ts', // the London tile grid: one tile per borough value
  'src/reports/desk/unusual-rise.ts', // the London picture's unusual-rise test
];

const TEST_PATH = /tests\/[\w./-]+\.test\.tsx?/g;
const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

/** The file's header: its first comment, which opens the file. */
function header(source: string): string {
  const match = /^\/\*\*[\s\S]*?\*\//.exec(source);
  return match?.[0] ?? '';
}

/** A test file that exists and holds at least one test. */
function isTestFile(path: string): boolean {
  const full = join(PROJECT_ROOT, path);
  return existsSync(full) && /\b(it|test)(\.each\([^)]*\))?\(/.test(readFileSync(full, 'utf8'));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(PROJECT_ROOT, path)).isDirectory()) return name === 'node_modules' || name === 'gql' ? [] : sourceFiles(path);
    return /\.(ts|tsx|mjs|mts)$/.test(name) ? [path] : [];
  });
}

describe('one-place rules', () => {
  it.each(RULE_FILES)('%s names its guarding test in one header line, and that test exists', (file) => {
    expect(existsSync(join(PROJECT_ROOT, file)), `${file} is not there: fix RULE_FILES`).toBe(true);
    const lines = header(read(file))
      .split('\n')
      .filter((line) => /^\s*\*\s*Guarded by:/.test(line));
    expect(lines, `${file}: its header comment needs exactly one "Guarded by: tests/…" line`).toHaveLength(1);
    const named = lines[0]!.match(TEST_PATH) ?? [];
    expect(named.length, `${file}: the Guarded by line names no tests/…test.ts file`).toBeGreaterThan(0);
    for (const path of named) expect(isTestFile(path), `${file} names ${path}, which is not a test file`).toBe(true);
  });

  it('finds the Guarded by line only in the header (a line further down does not count)', () => {
    const source = '/**\n * A rule.\n */\nexport const X = 1;\n/**\n * Guarded by: tests/unit/one-place-rules.test.ts\n */\n';
    expect(header(source)).not.toContain('Guarded by');
    expect(header('/**\n * A rule.\n * Guarded by: tests/unit/one-place-rules.test.ts\n */\n')).toContain('Guarded by: tests/unit/one-place-rules.test.ts');
  });

  it('every test file a comment in src/ or scripts/ names exists', () => {
    const missing = [...sourceFiles('src'), ...sourceFiles('scripts')].flatMap((file) =>
      (read(file).match(TEST_PATH) ?? []).filter((path) => !isTestFile(path)).map((path) => `${relative('.', file)} names ${path}`),
    );
    expect(missing).toEqual([]);
  });
});
