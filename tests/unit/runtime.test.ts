/**
 * The supported runtime: Node 24. `npm test` / `npm start` run everything under
 * it, installing it into .tools/ where the machine's Node is older
 * (scripts/stack/runtime.mjs, scripts/stack/bootstrap.mjs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { majorOf, NODE_HOME, NODE_MAJOR, NODE_VERSION } from '../../scripts/stack/runtime.mjs';
import { TSX } from '../support/spawn.js';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

/** The machine's own PATH and Node: what `npm test` was started with, before the bootstrap put .tools/ first. */
function machine(): { path: string; node: string } {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d && !d.startsWith(NODE_HOME));
  const node = dirs.map((d) => join(d, 'node')).find((p) => existsSync(p)) ?? process.execPath;
  return { path: dirs.join(delimiter), node };
}

describe('the supported runtime', () => {
  it('package.json engines, .nvmrc and the Dockerfile name the Node the bootstrap pins', () => {
    expect(majorOf(NODE_VERSION)).toBe(NODE_MAJOR);
    expect(JSON.parse(read('package.json')).engines.node).toBe(`>=${NODE_MAJOR} <${NODE_MAJOR + 1}`);
    expect(read('.nvmrc').trim()).toBe(String(NODE_MAJOR));
    const froms = [...read('Dockerfile').matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(froms.length).toBeGreaterThan(0);
    expect(froms.every((major) => major === NODE_MAJOR)).toBe(true);
  });

  it('npm test runs this suite on Node 24', () => {
    // Run directly with `npx vitest` on an older Node this fails, as it should:
    // that Node is unsupported; `npm test -- <files>` runs the same files on Node 24.
    expect(majorOf(process.versions.node), `Node ${process.versions.node} is not supported: run the tests with npm test`).toBe(NODE_MAJOR);
  });

  it('started from the machine\'s own Node, the bootstrap runs a command and the processes it starts (node on the PATH, process.execPath, tsx, npm) on Node 24', { timeout: 180_000 }, () => {
    const { path, node } = machine();
    const probe = [
      "const { execFileSync } = require('node:child_process');",
      "const v = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();",
      'console.log(JSON.stringify({',
      '  self: process.versions.node,',
      "  pathNode: v('node', ['-p', 'process.versions.node']),",
      "  execPath: v(process.execPath, ['-p', 'process.versions.node']),",
      `  tsx: v(${JSON.stringify(TSX)}, ['-e', 'console.log(process.versions.node)']),`,
      "  npm: JSON.parse(v('npm', ['version', '--json'])).node,",
      '}));',
    ].join('\n');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: path };
    for (const name of ['NODE', 'npm_node_execpath', 'HOTLINE_REEXECUTED']) delete env[name];
    const r = spawnSync(node, ['scripts/stack/bootstrap.mjs', 'exec', 'node', '-e', probe], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const machineVersion = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const replaced = majorOf(machineVersion) !== NODE_MAJOR;
    // The machine's own Node 24 is used as it is; any other major is replaced by the pinned build.
    const expected = replaced ? NODE_VERSION : machineVersion;
    const versions = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, string>;
    expect(versions).toEqual({ self: expected, pathNode: expected, execPath: expected, tsx: expected, npm: expected });
    // Said once, and only when the machine's Node was replaced.
    const notice = r.stderr.split('\n').filter((l) => l.includes('running under Node'));
    const why = majorOf(machineVersion) < NODE_MAJOR ? 'is past end of life' : 'is not the supported LTS';
    expect(notice).toEqual(replaced ? [`[setup] Node ${machineVersion} ${why}; running under Node ${NODE_VERSION} from .tools/node-v${NODE_VERSION}/`] : []);
  });
});
