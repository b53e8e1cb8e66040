/** The edge settings: TRUST_PROXY as a number of proxies (true = one), the CORS allow-list. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const k = () => randomBytes(32).toString('base64');
const base = { MONGODB_URI: 'mongodb://127.0.0.1:1/', REDIS_URL: 'redis://127.0.0.1:2', HOTLINE_MASTER_KEY: k(), HOTLINE_INDEX_KEY: k(), HOTLINE_AUDIT_KEY: k() };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env }, { dataDir: mkdtempSync(join(tmpdir(), 'cfg-')) });

describe('TRUST_PROXY', () => {
  it('counts proxies: unset or false is none, true is one, a number is that many', () => {
    expect(load({}).http.trustProxyHops).toBe(0);
    expect(load({ TRUST_PROXY: 'false' }).http.trustProxyHops).toBe(0);
    expect(load({ TRUST_PROXY: 'true' }).http.trustProxyHops).toBe(1);
    expect(load({ TRUST_PROXY: '2' }).http.trustProxyHops).toBe(2);
  });
  it('refuses anything else', () => {
    expect(() => load({ TRUST_PROXY: 'yes' })).toThrow(ConfigError);
  });
});

describe('CORS_ALLOWED_ORIGINS', () => {
  it('is empty by default (same origin only)', () => {
    expect(load({}).http.corsAllowedOrigins).toEqual([]);
  });
  it('reads a comma-separated list of origins', () => {
    expect(load({ CORS_ALLOWED_ORIGINS: 'https://a.example.org, http://localhost:5173' }).http.corsAllowedOrigins).toEqual(['https://a.example.org', 'http://localhost:5173']);
  });
  it('refuses a wildcard, a path or a non-http scheme', () => {
    for (const v of ['*', 'https://a.example.org/console', 'ftp://a.example.org', 'a.example.org']) expect(() => load({ CORS_ALLOWED_ORIGINS: v })).toThrow(ConfigError);
  });
});
