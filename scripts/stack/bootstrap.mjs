#!/usr/bin/env node
// `npm start`, `npm test`, `npm run bench`, `npm run admin`: install whatever
// is missing (Node 24 when the machine's Node is older, npm packages,
// redis-server, FerretDB, Chromium for the browser tests), build the console
// and the partner portal when their sources changed, then run the real thing.
// Plain JavaScript with no dependencies: it runs before `npm install`, on
// whatever Node the machine has, and re-runs itself under Node 24 when needed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinaries, ensureChromium, ROOT } from './binaries.mjs';
import { ensureNode, majorOf, NODE_HOME, NODE_MAJOR, NODE_VERSION } from './runtime.mjs';

const [command, ...args] = process.argv.slice(2);

function run(cmd, argv, extraEnv = {}) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (r.error) throw r.error;
  return r.status ?? (r.signal ? 1 : 0);
}

/**
 * The Node a node_modules was installed or rebuilt for: native modules built
 * against one Node's ABI (process.versions.modules) need rebuilding for another.
 */
const RUNTIME_MARKER = join(ROOT, 'node_modules', '.hotline-node-abi');
const runtimeAbi = () => `${process.platform}-${process.arch} abi ${process.versions.modules} (Node ${process.versions.node})`;
const installedAbi = () => (existsSync(RUNTIME_MARKER) ? readFileSync(RUNTIME_MARKER, 'utf8').split(' (')[0] : null);

/** Env for npm under the Node from .tools: node-gyp builds against its bundled headers instead of downloading them. */
const npmEnv = () => (process.execPath.startsWith(NODE_HOME) ? { npm_config_nodedir: NODE_HOME } : {});

function ensureNodeModules() {
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
    process.stderr.write('[setup] installing npm packages...\n');
    const status = run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], npmEnv());
    if (status !== 0) process.exit(status);
  } else if (installedAbi() !== runtimeAbi().split(' (')[0]) {
    // Installed under another Node (or before this marker existed): N-API
    // modules (argon2, msgpackr-extract) load anyway, but rebuild so that
    // anything tied to one ABI is built for this one.
    process.stderr.write(`[setup] node_modules was installed for ${installedAbi() ?? 'another Node'}: rebuilding native modules for Node ${process.versions.node}...\n`);
    const status = run('npm', ['rebuild', '--no-audit', '--no-fund', '--loglevel=error'], npmEnv());
    if (status !== 0) process.exit(status);
  }
  if (!existsSync(RUNTIME_MARKER) || readFileSync(RUNTIME_MARKER, 'utf8') !== `${runtimeAbi()}\n`) writeFileSync(RUNTIME_MARKER, `${runtimeAbi()}\n`);
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

/** Builds the partner portal (vite) when dist/partner is missing or older than its sources. */
function ensurePartnerPages() {
  const built = join(process.env.PARTNER_WEB_DIR || join(ROOT, 'dist', 'partner'), 'index.html');
  const sources = ['src/partner-web', 'src/reports/model/vocabulary.ts', 'package-lock.json'];
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map((p) => newest(join(ROOT, p))))) return;
  process.stderr.write('[setup] building the partner portal...\n');
  const status = run('npm', ['run', '--silent', 'build:partner']);
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

/**
 * On any Node but 24 (older ones are past end of life; newer ones are not what
 * `engines` and the tests name): installs Node 24 into .tools/ (first run only),
 * says so, and re-runs this bootstrap under it with its bin/ first on the PATH,
 * so npm, tsx, vitest and every child that starts `node` or `process.execPath`
 * run on Node 24 too.
 */
function reexecUnderSupportedNode() {
  const node = ensureNode();
  process.stderr.write(
    `[setup] Node ${process.versions.node} ${majorOf(process.versions.node) < NODE_MAJOR ? 'is past end of life' : 'is not the supported LTS'}; running under Node ${NODE_VERSION} from ${relative(ROOT, NODE_HOME)}/\n`,
  );
  const bin = dirname(node);
  runForwarding(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    PATH: [bin, process.env.PATH].filter(Boolean).join(delimiter),
    // npm run-script names the Node that started it; tools that read these must see Node 24.
    NODE: node,
    npm_node_execpath: node,
    HOTLINE_REEXECUTED: '1',
  });
}

const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
const vitest = join(ROOT, 'node_modules', '.bin', 'vitest');

if (majorOf(process.versions.node) !== NODE_MAJOR) {
  if (process.env.HOTLINE_REEXECUTED) throw new Error(`re-executed under Node ${process.versions.node}, still not Node ${NODE_MAJOR}`);
  reexecUnderSupportedNode();
} else {
  delete process.env.HOTLINE_REEXECUTED;
  main();
}

function main() {
  ensureNodeModules();
  // With MONGODB_URI and REDIS_URL (or REDIS_SENTINELS) set (production, docker compose) nothing local is needed.
  const external = Boolean(process.env.MONGODB_URI && (process.env.REDIS_URL || process.env.REDIS_SENTINELS));
  switch (command) {
    case 'start':
      if (!external) ensureBinaries();
      ensureConsole();
      ensurePartnerPages();
      runForwarding(tsx, ['scripts/stack/start.ts', ...args]);
      break;
    case 'test':
      ensureBinaries();
      ensureConsole();
      ensurePartnerPages();
      runForwarding(vitest, ['run', ...args], { CHROMIUM_PATH: ensureChromium() });
      break;
    case 'bench':
      ensureBinaries();
      ensureConsole();
      ensurePartnerPages();
      runForwarding(tsx, ['scripts/bench/index.ts', ...args], { CHROMIUM_PATH: ensureChromium() });
      break;
    case 'admin':
      if (!external) ensureBinaries();
      process.exit(run(tsx, ['scripts/admin/admin.ts', ...args]));
      break;
    case 'exec':
      // Any other command under the supported Node, e.g. `node scripts/stack/bootstrap.mjs exec npm run typecheck`.
      if (args.length > 0) {
        runForwarding(args[0], args.slice(1));
        break;
      }
    // falls through: nothing to run
    default:
      process.stderr.write('usage: node scripts/stack/bootstrap.mjs start|test|bench|admin [args] | exec <command> [args]\n');
      process.exit(64);
  }
}
