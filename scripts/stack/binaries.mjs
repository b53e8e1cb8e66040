// Makes sure the local service binaries exist: Debian's redis-server and sqlite3,
// and a FerretDB v1.24.2 built from the Go module proxy. Plain JavaScript with no
// dependencies, because `npm start` / `npm test` call it before `npm install`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, cpSync, chmodSync, writeFileSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FERRETDB_VERSION = 'v1.24.2';
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FERRETDB_BIN = join(ROOT, '.tools', 'bin', 'ferretdb');

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function log(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

/** Returns the path of a Debian package's binary, installing the package when missing. */
function ensureDebian(binary, pkg) {
  const found = which(binary) ?? [`/usr/bin/${binary}`, `/usr/sbin/${binary}`].find((p) => existsSync(p)) ?? null;
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`${binary} is missing; install it with: sudo apt-get install -y ${pkg}`);
  }
  log(`installing ${pkg} with apt-get (first run only)...`);
  execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const installed = which(binary) ?? [`/usr/bin/${binary}`, `/usr/sbin/${binary}`].find((p) => existsSync(p)) ?? `/usr/bin/${binary}`;
  if (!existsSync(installed)) throw new Error(`apt-get did not install ${pkg}`);
  return installed;
}

/**
 * Debian's Chromium, for the console's browser tests (Playwright drives it
 * through executablePath: Playwright's own browser download cannot be had here).
 */
export const ensureChromium = () => process.env.CHROMIUM_PATH || ensureDebian('chromium', 'chromium');

/** Debian's clamd (package clamav-daemon), for the virus-scanning test: it loads a signature of the test's own, no downloaded database. */
export const ensureClamd = () => ensureDebian('clamd', 'clamav-daemon');

/** Returns the path of redis-server, installing Debian's package when missing. */
export const ensureRedis = () => ensureDebian('redis-server', 'redis-server');

/**
 * The sqlite3 shell, for the _id index FerretDB's own lookups need (see
 * scripts/stack/ferretdb-id-index.ts). Only a speed-up: null when it cannot be had.
 */
export function ensureSqlite3() {
  try {
    return ensureDebian('sqlite3', 'sqlite3');
  } catch (err) {
    log(`sqlite3 unavailable (${err.message}); FerretDB lookups by _id will scan their collections`);
    return null;
  }
}

function ferretdbWorks() {
  if (!existsSync(FERRETDB_BIN)) return false;
  const r = spawnSync(FERRETDB_BIN, ['--version'], { encoding: 'utf8', env: { ...process.env, DO_NOT_TRACK: '1' } });
  return r.status === 0 && r.stdout.includes(FERRETDB_VERSION);
}

/**
 * Builds FerretDB into .tools/bin. `go install ...@v1.24.2` produces a binary
 * that panics at start-up (its embedded version.txt is empty in the module
 * zip), so we fetch the same module through the Go module proxy, write the
 * version file into a scratch copy and build that.
 */
export function ensureFerretDB() {
  if (ferretdbWorks()) return FERRETDB_BIN;
  if (!which('go')) throw new Error('Go is needed to build FerretDB (go is not on PATH)');
  log(`building FerretDB ${FERRETDB_VERSION} (first run only, takes a few minutes)...`);
  const info = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`], {
      encoding: 'utf8',
      cwd: tmpdir(),
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    }),
  );
  const scratch = mkdtempSync(join(tmpdir(), 'ferretdb-src-'));
  try {
    cpSync(info.Dir, scratch, { recursive: true });
    makeWritable(scratch);
    writeFileSync(join(scratch, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    execFileSync('go', ['build', '-o', FERRETDB_BIN, './cmd/ferretdb'], {
      cwd: scratch,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CGO_ENABLED: '0' },
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!ferretdbWorks()) throw new Error('FerretDB was built but does not run');
  return FERRETDB_BIN;
}

function makeWritable(dir) {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644);
  }
}

/** The binaries, installed or built when missing. */
export function ensureBinaries() {
  return { redisServer: ensureRedis(), ferretdb: ensureFerretDB(), sqlite3: ensureSqlite3() };
}
