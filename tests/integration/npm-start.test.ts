/**
 * `npm start` stops the whole stack when it alone is sent SIGTERM (what a
 * process manager, `timeout` or a container runtime does): the service,
 * FerretDB and Redis all exit and nothing is left holding the ports.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/services.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { key } from '../support/app.js';
import { waitFor } from '../support/spawn.js';

/** Pids of processes whose command line mentions the needle (this machine's ps). */
function pidsMatching(...needles: string[]): number[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout;
  return ps
    .split('\n')
    .filter((l) => needles.every((n) => l.includes(n)) && !l.includes('ps -eo'))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((n) => Number.isInteger(n) && n > 0);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start', () => {
  it('forwards SIGTERM: no process of the stack is left', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-npm-start-'));
    const [port, mongoPort, redisPort] = [await freePort(), await freePort(), await freePort()];
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: String(port),
        LOCAL_MONGO_PORT: String(mongoPort),
        LOCAL_REDIS_PORT: String(redisPort),
        HOTLINE_LOCAL_DATA_DIR: dataDir,
        HOTLINE_MASTER_KEY: key(),
        HOTLINE_INDEX_KEY: key(),
        HOTLINE_AUDIT_KEY: key(),
        MONGODB_URI: '',
        REDIS_URL: '',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 90_000, 'npm start to be ready');
      // Redis renames its process to "redis-server 127.0.0.1:<port>".
      const ferretdb = pidsMatching(`127.0.0.1:${mongoPort}`, 'ferretdb');
      const redis = pidsMatching(`:${redisPort}`, 'redis');
      const service = pidsMatching('src/main.ts').filter((pid) => spawnSync('cat', [`/proc/${pid}/environ`], { encoding: 'utf8' }).stdout.includes(`PORT=${port}`));
      expect({ ferretdb: ferretdb.length, redis: redis.length, service: service.length > 0 }).toEqual({ ferretdb: 1, redis: 1, service: true });
      const stack = [...ferretdb, ...redis, ...service];
      npm.kill('SIGTERM');
      await exited;
      await waitFor(async () => stack.every((pid) => !alive(pid)), 20_000, 'the stack to exit');
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      npm.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
