#!/usr/bin/env node
// `npm start`, `npm test`, `npm run bench`, `npm run admin`: install whatever
// is missing (npm packages, redis-server, FerretDB, Chromium for the browser
// tests), build the console when its sources changed, then run the real thing.
// Plain JavaScript with no dependencies: it runs before `npm install`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries, ensureChromium, ROOT } from './binaries.mjs';

const [command, ...args] = process.argv.slice(2);

function run(cmd, argv, extraEnv = {}) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (r.error) throw r.error;
  return r.status ?? (r.signal ? 1 : 0);
}

function ensureNodeModules() {
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  process.stderr.write('[setup] installing npm packages...\n');
  const status = run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  if (status !== 0) process.exit(status);
}

/** Newest modification time under a path (files only; the generated gql/ folder excluded). */
function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path)
    .filter((n) => n !== 'gql' && n !== 'node_modules')
    .reduce((max, n) => Math.max(max, newest(join(path, n))), 0);
}

/** Builds the console (codegen + vite) when dist/web is missing or older than its sources. */
function ensureConsole() {
  const built = join(process.env.CONSOLE_DIR || join(ROOT, 'dist', 'web'), 'index.html');
  const sources = ['src/web', 'schema/schema.graphql', 'src/intake/limits.ts', 'src/reports/rules/staff-text-limits.ts', 'src/audit/types.ts', 'package-lock.json'];
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map((p) => newest(join(ROOT, p))))) return;
  process.stderr.write('[setup] building the console...\n');
  const status = run('npm', ['run', '--silent', 'build:web']);
  if (status !== 0) process.exit(status);
}

/**
 * Runs the real command as a child and waits for it, forwarding SIGTERM, SIGINT
 * and SIGHUP (a process manager signals only this process, not its group), and
 * exits with the child's status.
 */
function runForwarding(cmd, argv, extraEnv = {}) {
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => {
    process.stderr.write(`[setup] ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 0)));
}

const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
const vitest = join(ROOT, 'node_modules', '.bin', 'vitest');

ensureNodeModules();
// With MONGODB_URI and REDIS_URL (or REDIS_SENTINELS) set (production, docker compose) nothing local is needed.
const external = Boolean(process.env.MONGODB_URI && (process.env.REDIS_URL || process.env.REDIS_SENTINELS));
switch (command) {
  case 'start':
    if (!external) ensureBinaries();
    ensureConsole();
    runForwarding(tsx, ['scripts/stack/start.ts', ...args]);
    break;
  case 'test':
    ensureBinaries();
    ensureConsole();
    runForwarding(vitest, ['run', ...args], { CHROMIUM_PATH: ensureChromium() });
    break;
  case 'bench':
    ensureBinaries();
    ensureConsole();
    runForwarding(tsx, ['scripts/bench/index.ts', ...args], { CHROMIUM_PATH: ensureChromium() });
    break;
  case 'admin':
    if (!external) ensureBinaries();
    process.exit(run(tsx, ['scripts/admin/admin.ts', ...args]));
    break;
  default:
    process.stderr.write('usage: node scripts/stack/bootstrap.mjs start|test|bench|admin [args]\n');
    process.exit(64);
}
