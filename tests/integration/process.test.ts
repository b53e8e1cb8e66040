import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/services.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { testEnv } from '../support/app.js';
import { startMain, waitFor } from '../support/spawn.js';

describe('the service process', () => {
  it('serves, then shuts down gracefully on SIGTERM', async () => {
    const port = await freePort();
    const env = testEnv({ PORT: String(port), LOG_LEVEL: 'info' });
    const proc = startMain(env);
    const root = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${root}/readyz`)).status === 200, 30_000, 'readyz');
    const me = await fetch(`${root}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { __typename } }' }) });
    expect(await me.json()).toEqual({ data: { me: null } });
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const out = proc.output();
    expect(out).toContain('shutting down');
    expect(out).toContain('API stopped');
    expect(out).toContain('"msg":"bye"');
    await expect(fetch(`${root}/healthz`)).rejects.toThrow();
  });

  it('runs the API alone with --process=api', async () => {
    const port = await freePort();
    const proc = startMain(testEnv({ PORT: String(port), LOG_LEVEL: 'info' }), ['--process=api']);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 30_000, 'readyz');
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('"process":"api"');
    expect(proc.output()).not.toContain('worker started');
  });

  it('runs the partner face alone with --process=partner: no API port, no worker, no staff operation', async () => {
    const [port, partnerPort] = [await freePort(), await freePort()];
    const proc = startMain(testEnv({ PORT: String(port), PARTNER_PORT: String(partnerPort), LOG_LEVEL: 'info' }), ['--process=partner']);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${partnerPort}/readyz`)).status === 200, 30_000, 'partner readyz');
    const ask = (query: string) => fetch(`http://127.0.0.1:${partnerPort}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then((r) => r.json());
    expect(JSON.stringify(await ask('{ me { __typename } }'))).toContain('Cannot query field');
    expect(JSON.stringify(await ask('mutation { submitPartnerReferral(input: {}) { receipt } }'))).not.toContain('Cannot query field');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('"process":"partner"');
    expect(proc.output()).toContain('partner face listening');
    expect(proc.output()).not.toContain('worker started');
    expect(proc.output()).not.toContain('"msg":"request"');
  });

  it('exits non-zero naming each bad variable', async () => {
    const proc = startMain({ NODE_ENV: 'production', PORT: 'x', MONGODB_URI: '', REDIS_URL: '' });
    expect(await proc.exited).toBe(78);
    const out = proc.output();
    for (const name of ['PORT', 'HOTLINE_MASTER_KEY', 'HOTLINE_INDEX_KEY', 'HOTLINE_AUDIT_KEY']) expect(out).toContain(name);
  });

  it('gives up with a clear message when the database never answers', async () => {
    const dead = await freePort();
    const proc = startMain(testEnv({ MONGODB_URI: `mongodb://127.0.0.1:${dead}/?serverSelectionTimeoutMS=300`, STARTUP_ATTEMPTS: '2', LOG_LEVEL: 'info' }));
    expect(await proc.exited).toBe(69);
    expect(proc.output()).toContain('backing service is unreachable');
  });

  it('runs as compiled JavaScript in production, as the image does: no tsx, the console at /, no GraphiQL', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-dist-'));
    try {
      const tsc = spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      expect(tsc.status, tsc.stdout).toBe(0);
      cpSync(join(PROJECT_ROOT, 'package.json'), join(dir, 'package.json'));
      cpSync(join(PROJECT_ROOT, 'schema'), join(dir, 'schema'), { recursive: true });
      symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'));
      const port = await freePort();
      const env = testEnv({ NODE_ENV: 'production', PORT: String(port), LOG_LEVEL: 'info' });
      const child = spawn(process.execPath, [join(dir, 'dist', 'src', 'main.js')], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env, CONSOLE_DIR: process.env.CONSOLE_DIR || join(PROJECT_ROOT, 'dist', 'web') }, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const root = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${root}/readyz`)).status === 200, 30_000, 'readyz');
      const page = await fetch(`${root}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      const graphiql = await fetch(`${root}/graphql`, { headers: { accept: 'text/html' } });
      expect(await graphiql.text()).not.toContain('graphiql');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
