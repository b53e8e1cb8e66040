/**
 * docs/operations.md says every command in it is run by a test or named,
 * with its reason, under "Not run here". This keeps that true: every command
 * line of its `sh` blocks is either
 * - `npm run admin -- <command> …`: a command the admin CLI knows (in its
 *   usage text and its command table) that some file under tests/ runs (an
 *   argument list starting with it, as `admin(['migrate', …])` or
 *   `runScript('scripts/admin/admin.ts', ['keys:rotate'], …)`);
 * - another command mapped below to the test that does the same thing (a
 *   shell `curl` of /readyz is that test's `fetch` of it, `kill -TERM` its
 *   `child.kill('SIGTERM')`), checked by a marker in that file;
 * - or listed under "Not run here" with a reason. A listed command that a
 *   test does run fails too: the list says only what is true.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
const DOC = read('docs/operations.md');

/** Shell commands other than the admin CLI, and the file (under tests/) with the marker that shows a test runs them. */
const RUN_BY: { command: string; proof: [file: string, marker: string][] }[] = [
  { command: 'npm start', proof: [['tests/integration/npm-start.test.ts', "spawn('npm', ['start'"]] },
  { command: 'node dist/src/main.js --process=api', proof: [['tests/integration/process.test.ts', "'dist', 'src', 'main.js'"], ['tests/integration/process.test.ts', "['--process=api']"]] },
  { command: 'node dist/src/main.js --process=worker', proof: [['tests/integration/process.test.ts', "'dist', 'src', 'main.js'"], ['tests/integration/metrics.test.ts', "['--process=worker']"]] },
  { command: 'curl -fsS http://127.0.0.1:4000/readyz', proof: [['tests/integration/process.test.ts', '/readyz`)).status === 200']] },
  { command: 'kill -TERM "$PID"', proof: [['tests/integration/process.test.ts', "kill('SIGTERM')"]] },
  { command: 'redis-cli -p 26379 SENTINEL get-master-addr-by-name hotline', proof: [['tests/support/redis-sentinel.ts', "'SENTINEL', 'get-master-addr-by-name'"]] },
];

/** Every command line of the doc's `sh` blocks (continuations joined, comments dropped). */
function commands(doc: string): string[] {
  const out: string[] = [];
  for (const block of doc.matchAll(/^[ \t]*```sh\n([\s\S]*?)^[ \t]*```/gm)) {
    const joined = block[1]!.replace(/\\\n\s*/g, ' ');
    for (const line of joined.split('\n').map((l) => l.trim())) if (line && !line.startsWith('#')) out.push(line);
  }
  return out;
}

/** The "Not run here" list: `- \`command\`: reason`. */
function notRunHere(doc: string): { command: string; reason: string }[] {
  const section = doc.split(/^## Not run here\s*$/m)[1] ?? '';
  return [...section.split(/^## /m)[0]!.matchAll(/^- `([^`]+)`: (.+)$/gm)].map((m) => ({ command: m[1]!, reason: m[2]! }));
}

/** The admin CLI's commands: named in its usage text AND defined in a command table of scripts/admin/. */
function adminCommands(): Set<string> {
  const admin = read('scripts/admin/admin.ts');
  const usage = admin.slice(admin.indexOf('const USAGE = `'), admin.indexOf('roles: ${ROLES'));
  const named = [...usage.matchAll(/^ {2}([a-z][a-z-]*(?::[a-z-]+)?)(?=\s|$)/gm)].map((m) => m[1]!);
  const tables = readdirSync(join(PROJECT_ROOT, 'scripts/admin')).map((f) => read(`scripts/admin/${f}`)).join('\n');
  return new Set(named.filter((name) => new RegExp(`^\\s*'?${name.replace(/[-:]/g, '\\$&')}'?: \\{`, 'm').test(tables)));
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(PROJECT_ROOT, path)).isDirectory() ? filesUnder(path) : /\.(ts|mts|mjs)$/.test(name) ? [path] : [];
  });
}
const TEST_SOURCES = filesUnder('tests')
  .filter((f) => relative('tests/unit', f) !== 'runbook.test.ts')
  .map((f) => read(f));
const runByATest = (cmd: string) => TEST_SOURCES.some((src) => new RegExp(`\\[\\s*'${cmd.replace(/[-:]/g, '\\$&')}'`).test(src));
const adminOf = (line: string) => /^npm run admin -- ([a-z][a-z-]*(?::[a-z-]+)?)/.exec(line)?.[1] ?? null;

describe('the runbook (docs/operations.md)', () => {
  const lines = commands(DOC);
  const listed = notRunHere(DOC);
  const known = adminCommands();
  const isListed = (line: string) => listed.some((l) => line === l.command || line.startsWith(`${l.command} `));

  it('has commands, and the admin CLI has commands to check them against', () => {
    expect(lines.length).toBeGreaterThan(10);
    expect(known.has('migrate') && known.has('keys:rotate') && known.has('audit:verify')).toBe(true);
  });

  it.each(lines)('%s: run by a test, or named under "Not run here"', (line) => {
    if (isListed(line)) return expect(listed.find((l) => line === l.command || line.startsWith(`${l.command} `))!.reason.length).toBeGreaterThan(20);
    const cmd = adminOf(line);
    if (cmd) {
      expect(known.has(cmd), `${cmd} is not a command of the admin CLI (scripts/admin/admin.ts)`).toBe(true);
      expect(runByATest(cmd), `no test under tests/ runs the admin command ${cmd}`).toBe(true);
      return;
    }
    const mapped = RUN_BY.find((r) => r.command === line);
    expect(mapped, `no test runs "${line}": map it in tests/unit/runbook.test.ts RUN_BY, or list it under "Not run here"`).toBeDefined();
    for (const [file, marker] of mapped!.proof) {
      expect(existsSync(join(PROJECT_ROOT, file)), file).toBe(true);
      expect(read(file), `${file} no longer holds ${marker}`).toContain(marker);
    }
  });

  it('"Not run here" names only commands of the runbook that no test runs, each with its reason', () => {
    // The section is there even when it lists nothing: it is where a command no test can run must go.
    expect(DOC).toMatch(/^## Not run here$/m);
    expect(listed.every((entry) => entry.reason.length > 20)).toBe(true);
    for (const entry of listed) {
      expect(lines.some((line) => line === entry.command || line.startsWith(`${entry.command} `)), `${entry.command} is listed but not in the runbook`).toBe(true);
      const cmd = adminOf(entry.command);
      if (cmd) expect(known.has(cmd) && runByATest(cmd), `${cmd} is run by a test now: remove it from "Not run here"`).toBe(false);
      expect(RUN_BY.some((r) => r.command === entry.command), `${entry.command} is mapped to a test: remove it from "Not run here"`).toBe(false);
    }
  });
});
