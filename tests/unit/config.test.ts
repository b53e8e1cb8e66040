import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadBackupConfig, loadConfig } from '../../src/config.js';

const k = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const base = { MONGODB_URI: 'mongodb://127.0.0.1:1/', REDIS_URL: 'redis://127.0.0.1:2', HOTLINE_MASTER_KEY: k(1), HOTLINE_INDEX_KEY: k(2), HOTLINE_AUDIT_KEY: k(9), HOTLINE_AUDIT_ANCHOR_DIR: '/var/lib/hotline/audit-anchors' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, { dataDir: mkdtempSync(join(tmpdir(), 'cfg-')) });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('config', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c.http.port).toBe(4000);
    expect(c.http.host).toBe('127.0.0.1');
    expect(c.mongo.dbName).toBe('hotline');
    expect(c.env).toBe('development');
    expect(c.keys.master).toHaveLength(32);
  });

  it('checks for a reconcile every minute and scans at least daily, RECONCILE_SAFETY_MS between a minute and a week', () => {
    const c = loadConfig(base);
    expect(c.triage.outboxReconcileMs).toBe(60_000);
    expect(c.triage.reconcileSafetyMs).toBe(24 * 3_600_000);
    expect(loadConfig({ ...base, RECONCILE_SAFETY_MS: '3600000' }).triage.reconcileSafetyMs).toBe(3_600_000);
    expect(problems({ ...base, RECONCILE_SAFETY_MS: '1000' }).join('\n')).toContain('RECONCILE_SAFETY_MS');
    expect(problems({ ...base, RECONCILE_SAFETY_MS: String(8 * 24 * 3_600_000) }).join('\n')).toContain('RECONCILE_SAFETY_MS');
  });

  it('refuses production without explicit services and keys, naming every variable at once', () => {
    const p = problems({ NODE_ENV: 'production' });
    for (const name of ['MONGODB_URI', 'REDIS_URL', 'HOTLINE_MASTER_KEY', 'HOTLINE_INDEX_KEY', 'HOTLINE_AUDIT_KEY', 'HOTLINE_AUDIT_ANCHOR_DIR']) {
      expect(p.some((line) => line.startsWith(name))).toBe(true);
    }
  });

  it('reports malformed values by name and never echoes a key', () => {
    const secretish = 'c2VjcmV0LXRvby1zaG9ydA==';
    const p = problems({ ...base, PORT: 'eighty', HOTLINE_MASTER_KEY: secretish, LOG_LEVEL: 'loud', MONGODB_URI: 'http://x' });
    expect(p.find((l) => l.startsWith('PORT'))).toBeDefined();
    expect(p.find((l) => l.startsWith('HOTLINE_MASTER_KEY'))).toMatch(/32 random bytes/);
    expect(p.find((l) => l.startsWith('LOG_LEVEL'))).toBeDefined();
    expect(p.find((l) => l.startsWith('MONGODB_URI'))).toBeDefined();
    expect(p.join('\n')).not.toContain(secretish);
  });

  it('rejects equal master and index keys in production', () => {
    const p = problems({ ...base, NODE_ENV: 'production', HOTLINE_INDEX_KEY: k(1) });
    expect(p.some((l) => l.startsWith('HOTLINE_INDEX_KEY'))).toBe(true);
  });

  it('refuses a production start without a full-length audit key, or with one equal to another key, naming HOTLINE_AUDIT_KEY', () => {
    const { HOTLINE_AUDIT_KEY: _omit, ...noAudit } = base;
    for (const env of [noAudit, { ...base, HOTLINE_AUDIT_KEY: Buffer.alloc(16, 1).toString('base64') }, { ...base, HOTLINE_AUDIT_KEY: k(1) }]) {
      const p = problems({ ...env, NODE_ENV: 'production' });
      expect(p.some((l) => l.startsWith('HOTLINE_AUDIT_KEY'))).toBe(true);
    }
  });

  it('refuses a production start with single sign-on but no OIDC_REDIRECT_URI (trust review 2, item 16)', () => {
    const oidc = { OIDC_ISSUER: 'https://idp.example.org', OIDC_CLIENT_ID: 'hotline', OIDC_CLIENT_SECRET: 'secret', OIDC_ROLE_MAP: 'staff=CALL_HANDLER' };
    const p = problems({ ...base, ...oidc, NODE_ENV: 'production' });
    expect(p.filter((l) => l.startsWith('OIDC_REDIRECT_URI'))).toHaveLength(1);
    expect(loadConfig({ ...base, ...oidc, NODE_ENV: 'production', OIDC_REDIRECT_URI: 'https://hotline.example.org/auth/oidc/callback' }).oidc?.redirectUri).toBe(
      'https://hotline.example.org/auth/oidc/callback',
    );
    // Outside production the callback may still be derived from the request (local IdPs in development).
    expect(problems({ ...base, ...oidc })).toEqual([]);
  });

  it('accepts a full production configuration', () => {
    const c = loadConfig({ ...base, NODE_ENV: 'production', HOTLINE_PREVIOUS_MASTER_KEYS: `${k(3)},${k(4)}` });
    expect(c.production).toBe(true);
    expect(c.graphql.introspection).toBe(false);
    expect(c.graphql.graphiql).toBe(false);
    expect(c.keys.previousMasters).toHaveLength(2);
  });

  it('runs pending store migrations at start-up in development unless MIGRATE_ON_START=false, in production only when it is true', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const at = (env: Record<string, string>) => loadConfig({ ...base, ...env }, { dataDir }).migrations.runOnStart;
    expect(at({})).toBe(true);
    expect(at({ MIGRATE_ON_START: 'false' })).toBe(false);
    expect(at({ NODE_ENV: 'production' })).toBe(false);
    expect(at({ NODE_ENV: 'production', MIGRATE_ON_START: 'true' })).toBe(true);
    expect(problems({ ...base, MIGRATE_ON_START: 'yes' })).toEqual([expect.stringContaining('MIGRATE_ON_START')]);
  });

  it('generates development keys once, with a warning, and reuses them', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const env = { MONGODB_URI: base.MONGODB_URI, REDIS_URL: base.REDIS_URL };
    const first = loadConfig(env, { dataDir });
    expect(first.warnings.join()).toMatch(/generated development encryption keys/);
    const second = loadConfig(env, { dataDir });
    expect(second.warnings).toHaveLength(0);
    expect(Buffer.from(second.keys.master).equals(Buffer.from(first.keys.master))).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, 'dev-keys.json'), 'utf8')).master).toBeTruthy();
  });
});

describe('config: Redis behind Sentinel', () => {
  const sentinel = { REDIS_SENTINELS: 'sentinel-1:26379, sentinel-2:26380,[::1]:26381,sentinel-4', REDIS_SENTINEL_MASTER: 'hotline' };
  const { REDIS_URL: _url, ...noUrl } = base;

  it('reads the sentinels (port 26379 when none is given) and the master name in place of REDIS_URL', () => {
    const c = loadConfig({ ...noUrl, ...sentinel, REDIS_SENTINEL_PASSWORD: 's3ntinel', REDIS_PASSWORD: 'r3dis' }, { dataDir: mkdtempSync(join(tmpdir(), 'cfg-')) });
    expect(c.redis.server).toEqual({
      sentinels: [
        { host: 'sentinel-1', port: 26379 },
        { host: 'sentinel-2', port: 26380 },
        { host: '::1', port: 26381 },
        { host: 'sentinel-4', port: 26379 },
      ],
      masterName: 'hotline',
      sentinelPassword: 's3ntinel',
      password: 'r3dis',
    });
    expect(loadConfig(base, { dataDir: mkdtempSync(join(tmpdir(), 'cfg-')) }).redis.server).toEqual({ url: base.REDIS_URL });
  });

  it('replaces REDIS_URL when both are set, and says so', () => {
    const c = loadConfig({ ...base, ...sentinel }, { dataDir: mkdtempSync(join(tmpdir(), 'cfg-')) });
    expect('sentinels' in c.redis.server).toBe(true);
    expect(c.warnings.some((w) => w.startsWith('REDIS_URL is ignored'))).toBe(true);
  });

  it('accepts Sentinel in place of REDIS_URL in production', () => {
    const p = problems({ ...noUrl, ...sentinel, NODE_ENV: 'production' });
    expect(p).toEqual([]);
  });

  it('fails fast on a malformed list, a missing master name, or Sentinel-only settings without sentinels, never echoing a password', () => {
    expect(problems({ ...noUrl, REDIS_SENTINELS: 'sentinel-1:26379,:5,host:99999', REDIS_SENTINEL_MASTER: 'hotline' }).some((l) => l.startsWith('REDIS_SENTINELS'))).toBe(true);
    expect(problems({ ...noUrl, REDIS_SENTINELS: 'sentinel-1:26379' }).some((l) => l.startsWith('REDIS_SENTINEL_MASTER is required'))).toBe(true);
    const p = problems({ ...base, REDIS_SENTINEL_MASTER: 'hotline', REDIS_SENTINEL_PASSWORD: 'pw-sentinel-xyz', REDIS_PASSWORD: 'pw-redis-xyz' });
    for (const name of ['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD', 'REDIS_PASSWORD']) expect(p.some((l) => l.startsWith(`${name} is only read with REDIS_SENTINELS`))).toBe(true);
    expect(p.join('\n')).not.toMatch(/pw-(sentinel|redis)-xyz/);
  });
});

describe('config: the backup key', () => {
  const backupProblems = (env: Record<string, string>): string[] => {
    try {
      loadBackupConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
    return [];
  };

  it('reads HOTLINE_BACKUP_KEY, the anchor directory and the database for the backup commands', () => {
    const c = loadBackupConfig({ ...base, HOTLINE_BACKUP_KEY: k(7), MONGODB_DB: 'hotline_b' });
    expect(c.key).toEqual(new Uint8Array(Buffer.alloc(32, 7)));
    expect(c.anchorDir).toBe('/var/lib/hotline/audit-anchors');
    expect(c.dbName).toBe('hotline_b');
    // The audit key, for restore to sign its restore event (backup/restore-event.ts); none in production without it.
    expect(c.audit?.key).toEqual(new Uint8Array(Buffer.alloc(32, 9)));
    expect(loadBackupConfig({ ...base, HOTLINE_AUDIT_KEY: '', NODE_ENV: 'production', HOTLINE_BACKUP_KEY: k(7) }).audit).toBeNull();
  });

  it('has no default anywhere, must differ from the service keys, and is never echoed', () => {
    expect(backupProblems({ ...base })).toEqual([expect.stringMatching(/^HOTLINE_BACKUP_KEY is required for backups/)]);
    expect(backupProblems({ ...base, NODE_ENV: 'development' }).length).toBe(1);
    expect(backupProblems({ ...base, HOTLINE_BACKUP_KEY: k(9) })).toEqual(['HOTLINE_BACKUP_KEY must differ from HOTLINE_AUDIT_KEY']);
    const p = backupProblems({ ...base, HOTLINE_BACKUP_KEY: 'c2VjcmV0LXRvby1zaG9ydA==' });
    expect(p[0]).toMatch(/^HOTLINE_BACKUP_KEY/);
    expect(p.join('\n')).not.toContain('c2VjcmV0');
  });

  it('is not read by the service: loadConfig accepts it and keeps it nowhere', () => {
    const c = loadConfig({ ...base, HOTLINE_BACKUP_KEY: k(7) });
    expect(JSON.stringify(c, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))).not.toContain(k(7));
  });
});
