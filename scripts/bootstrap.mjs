#!/usr/bin/env node
// `npm start`, `npm test`, `npm run bench`, `npm run admin`: install whatever
// is missing (npm packages, redis-server, FerretDB), then run the real thing.
// Plain JavaScript with no dependencies: it runs before `npm install`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries, ROOT } from './binaries.mjs';

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

const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
const vitest = join(ROOT, 'node_modules', '.bin', 'vitest');

ensureNodeModules();
// With MONGODB_URI and REDIS_URL set (production, docker compose) nothing local is needed.
const external = Boolean(process.env.MONGODB_URI && process.env.REDIS_URL);
switch (command) {
  case 'start':
    if (!external) ensureBinaries();
    process.exit(run(tsx, ['scripts/start.ts', ...args]));
    break;
  case 'test':
    ensureBinaries();
    process.exit(run(vitest, ['run', ...args]));
    break;
  case 'bench':
    ensureBinaries();
    process.exit(run(tsx, ['scripts/bench/index.ts', ...args]));
    break;
  case 'admin':
    if (!external) ensureBinaries();
    process.exit(run(tsx, ['scripts/admin.ts', ...args]));
    break;
  default:
    process.stderr.write('usage: node scripts/bootstrap.mjs start|test|bench|admin [args]\n');
    process.exit(64);
}
