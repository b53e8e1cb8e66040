/**
 * Configuration: every environment variable is validated here, once, at
 * start-up; all problems are reported together and the process exits. The
 * rest of the code reads one typed, nested `Config` object.
 *
 * Production never falls back to a default secret or a local service.
 */
import type { Priority } from './reports/model/vocabulary.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseRoleMap, type RoleMapEntry } from './auth/oidc-claims.js';
import { ROLES, type Role } from './auth/types.js';
import { parseNetwork } from './net/addresses.js';

/** The folder holding package.json: the same whether this runs from src/ (tsx) or compiled from dist/src/. */
export const PROJECT_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

const KEY_HINT = 'must be 32 random bytes in base64 (generate one with: npm run admin -- keys:generate)';
const base64Key = z
  .string()
  .trim()
  .refine((v) => decodeKey(v)?.length === 32, { message: KEY_HINT });

/** Comma-separated retired keys (HOTLINE_PREVIOUS_*_KEYS). */
const previousKeys = z
  .string()
  .optional()
  .refine((v) => !v || v.split(',').every((k) => !k.trim() || decodeKey(k.trim())?.length === 32), { message: `each comma-separated key ${KEY_HINT}` });
const keyList = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => new Uint8Array(decodeKey(k)!));

/** Where `--process=partner` listens when PARTNER_PORT is not set. */
export const DEFAULT_PARTNER_PORT = 4100;

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: int(4000, 0, 65535),
    HOST: z.string().min(1).default('127.0.0.1'),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
    MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and - only').default('hotline'),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
    // Redis behind Sentinel (replaces REDIS_URL): comma-separated host:port of the sentinels, and the master group's name.
    REDIS_SENTINELS: z
      .string()
      .optional()
      .refine((v) => !v || v.split(',').every((s) => parseHostPort(s.trim()) !== null), { message: 'must be a comma-separated list of host:port (e.g. sentinel-1:26379,sentinel-2:26379)' }),
    REDIS_SENTINEL_MASTER: z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ., _ and - only').optional(),
    // Password of the sentinels themselves, and of the Redis servers they hand out (with REDIS_URL, the password is in the URL).
    REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
    REDIS_PASSWORD: z.string().min(1).optional(),
    HOTLINE_MASTER_KEY: base64Key.optional(),
    HOTLINE_PREVIOUS_MASTER_KEYS: z
      .string()
      .optional()
      .refine((v) => !v || v.split(',').every((k) => decodeKey(k.trim())?.length === 32), {
        message: `each comma-separated key ${KEY_HINT}`,
      }),
    HOTLINE_INDEX_KEY: base64Key.optional(),
    HOTLINE_AUDIT_KEY: base64Key.optional(),
    // Retired index and audit keys, kept during a rotation (docs/encryption.md "Rotation"): read, never written with.
    HOTLINE_PREVIOUS_INDEX_KEYS: previousKeys,
    HOTLINE_PREVIOUS_AUDIT_KEYS: previousKeys,
    // Encrypts backups at rest (docs/backup.md); read only by the backup commands, never by the service; no default.
    HOTLINE_BACKUP_KEY: base64Key.optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HOTLINE_PROCESS: z.enum(['all', 'api', 'worker', 'partner']).default('all'),
    QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default('hotline'),
    SESSION_TTL_MINUTES: int(12 * 60, 1, 60 * 24 * 30),
    // Sign-in limits (src/auth/rate-limit.ts): per (username, client), per client across usernames (a whole office may
    // share one NAT address), and a capped per-username back-off over every client that a known client skips.
    LOGIN_MAX_FAILURES_PER_USER: int(5, 1, 1000),
    LOGIN_MAX_FAILURES_PER_CLIENT: int(100, 1, 10000),
    LOGIN_BLOCK_SECONDS: int(15 * 60, 1, 86400),
    LOGIN_BACKOFF_AFTER_FAILURES: int(20, 1, 10000),
    LOGIN_BACKOFF_BASE_SECONDS: int(1, 1, 3600),
    LOGIN_BACKOFF_MAX_SECONDS: int(15 * 60, 1, 86400),
    LOGIN_BACKOFF_FORGET_SECONDS: int(24 * 3600, 60, 30 * 86400),
    LOGIN_KNOWN_CLIENT_DAYS: int(30, 0, 365),
    // Roles that must sign in with a second factor: a comma-separated list, `all` or `none`; default `all` in production, `none` otherwise.
    MFA_REQUIRED_ROLES: z
      .string()
      .trim()
      .toUpperCase()
      .refine((v) => ['ALL', 'NONE'].includes(v) || v.split(',').every((r) => (ROLES as readonly string[]).includes(r.trim())), { message: `must be all, none, or a comma-separated list of ${ROLES.join(', ')}` })
      .optional(),
    PARTNER_KEY_OVERLAP_HOURS: int(24, 0, 24 * 30),
    BODY_LIMIT_BYTES: int(512 * 1024, 1024, 16 * 1024 * 1024),
    ATTACHMENT_MAX_BYTES: int(20 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    ATTACHMENT_MAX_PER_REPORT: int(10, 1, 1000),
    CLAMD_HOST: z.string().trim().min(1).optional(),
    CLAMD_PORT: int(3310, 1, 65535),
    CLAMD_SOCKET: z.string().trim().min(1).optional(),
    REQUEST_TIMEOUT_MS: int(15_000, 100, 300_000),
    MAX_CONCURRENT_REQUESTS: int(256, 1, 100_000),
    GRAPHQL_MAX_DEPTH: int(12, 2, 100),
    GRAPHQL_MAX_ALIASES: int(15, 1, 1000),
    GRAPHQL_MAX_COST: int(5000, 10, 1_000_000),
    // How many reverse proxies stand in front (each appends one X-Forwarded-For entry); `true` means one.
    TRUST_PROXY: z
      .string()
      .trim()
      .regex(/^(true|false|\d{1,2})$/, 'must be false, true (one proxy) or the number of proxies in front')
      .default('false'),
    // Origins (scheme://host[:port]) whose pages may call the API with credentials; none by default (same origin only).
    CORS_ALLOWED_ORIGINS: z
      .string()
      .optional()
      .refine((v) => !v || v.split(',').every((o) => isOrigin(o.trim())), { message: 'each comma-separated entry must be an origin such as https://console.example.org' }),
    SUBSCRIPTION_RECHECK_MS: int(5_000, 100, 300_000),
    SLA_P1_SECONDS: int(15 * 60, 1),
    SLA_P2_SECONDS: int(60 * 60, 1),
    SLA_P3_SECONDS: int(24 * 3600, 1),
    SLA_P4_SECONDS: int(72 * 3600, 1),
    OUTBOX_SWEEP_MS: int(10_000, 50, 3_600_000),
    OUTBOX_STALE_MS: int(5_000, 0, 3_600_000),
    // The overdue sweep (src/tasks/overdue-sweep.ts): a safety net behind each report's own delayed SLA job, so not every 10 s.
    OVERDUE_SWEEP_MS: int(60_000, 50, 3_600_000),
    OUTBOX_RECONCILE_MS: int(60_000, 1_000, 24 * 3_600_000),
    // The reconcile's scans run whatever happened at least this often (src/queue/liveness.ts: otherwise only when due).
    RECONCILE_SAFETY_MS: int(24 * 3_600_000, 60_000, 7 * 24 * 3_600_000),
    AUDIT_RECOVERY_GRACE_MS: int(30_000, 0, 3_600_000),
    // Signed audit checkpoints go here, outside the database (append-only files to ship to WORM storage); required in production.
    HOTLINE_AUDIT_ANCHOR_DIR: z.string().trim().min(1).optional(),
    AUDIT_CHECKPOINT_MINUTES: int(15, 1, 24 * 60),
    // A partner's audit entry is appended only once its minute has passed (docs/audit.md); `off` is for tests only.
    PARTNER_AUDIT_HOLD: z.enum(['minute', 'off']).default('minute'),
    TRIAGE_ATTEMPTS: int(5, 1, 100),
    TRIAGE_BACKOFF_MS: int(1_000, 1, 600_000),
    PARTNER_TRIAGE_HOLD_SECONDS: int(60, 0, 600),
    // Triage jobs a worker routes at once (bull's process concurrency): routing waits on store round trips, not the CPU.
    TRIAGE_CONCURRENCY: int(8, 1, 64),
    // Outgoing webhooks (docs/webhooks.md): each attempt's timeout, attempts before a dead letter, first backoff (doubling).
    WEBHOOK_TIMEOUT_MS: int(5_000, 10, 60_000),
    WEBHOOK_ATTEMPTS: int(6, 1, 50),
    WEBHOOK_BACKOFF_MS: int(5_000, 1, 3_600_000),
    // Internal networks webhooks may go to (src/webhooks/targets.ts): comma-separated addresses or CIDRs; none by default.
    WEBHOOK_ALLOWED_NETWORKS: z
      .string()
      .optional()
      .refine((v) => !v || v.split(',').every((n) => !n.trim() || parseNetwork(n) !== null), { message: 'each comma-separated entry must be an address or a CIDR such as 10.20.0.0/16 or fd00::/8' }),
    LINK_MAX_CANDIDATES: int(50, 1, 1_000),
    LINK_SHARED_THRESHOLD: int(20, 1, 64),
    // How long before a held, not yet started report's deadline its holder is warned (src/notifications/service.ts).
    NOTIFY_SLA_WARNING_MINUTES: int(15, 1, 24 * 60),
    RETENTION_DAYS: int(6 * 365, 1, 100 * 365),
    // Pending store migrations at start-up (src/migrations/): run in development unless `false`; in production the process refuses to start unless `true`.
    MIGRATE_ON_START: z.enum(['true', 'false']).optional(),
    STARTUP_ATTEMPTS: int(8, 1, 100),
    ROUTING_RULES_FILE: z.string().default(join(PROJECT_ROOT, 'schema', 'routing-rules.json')),
    CONSOLE_IDLE_MINUTES: int(15, 1, 24 * 60),
    CONSOLE_DIR: z.string().default(join(PROJECT_ROOT, 'dist', 'web')),
    // The partner face (src/http/server.ts `startPartnerFace`): its own port, served by `--process=partner`, and by `all` only when set.
    PARTNER_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    PARTNER_HOST: z.string().min(1).default('127.0.0.1'),
    PARTNER_WEB_DIR: z.string().default(join(PROJECT_ROOT, 'dist', 'partner')),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_TOKEN: z.string().trim().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
    // Single sign-on (all optional; OIDC is off unless OIDC_ISSUER is set): see the README's "Single sign-on".
    OIDC_ISSUER: z.string().trim().url().optional(),
    OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_REDIRECT_URI: z.string().trim().url().optional(),
    OIDC_SCOPES: z.string().trim().regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'space-separated scopes').default('openid profile'),
    OIDC_ROLE_CLAIM: z.string().trim().min(1).default('groups'),
    OIDC_ROLE_MAP: z.string().optional(),
    OIDC_LABEL: z.string().trim().min(1).max(60).default('single sign-on'),
    OIDC_TIMEOUT_SECONDS: int(5, 1, 60),
  });

const PRODUCTION_REQUIRED = ['MONGODB_URI', 'HOTLINE_MASTER_KEY', 'HOTLINE_INDEX_KEY', 'HOTLINE_AUDIT_KEY', 'HOTLINE_AUDIT_ANCHOR_DIR'] as const;

/** Production rules, checked on the raw environment so they are reported alongside any other problem. */
function productionProblems(raw: NodeJS.ProcessEnv): string[] {
  if (raw.NODE_ENV !== 'production') return [];
  const problems = PRODUCTION_REQUIRED.filter((name) => !raw[name]?.trim()).map((name) => `${name} is required when NODE_ENV=production`);
  if (!raw.REDIS_URL?.trim() && !raw.REDIS_SENTINELS?.trim()) problems.push('REDIS_URL (or REDIS_SENTINELS with REDIS_SENTINEL_MASTER) is required when NODE_ENV=production');
  if (raw.HOTLINE_MASTER_KEY && raw.HOTLINE_MASTER_KEY.trim() === raw.HOTLINE_INDEX_KEY?.trim()) {
    problems.push('HOTLINE_INDEX_KEY must differ from HOTLINE_MASTER_KEY');
  }
  const audit = raw.HOTLINE_AUDIT_KEY?.trim();
  if (audit && (audit === raw.HOTLINE_MASTER_KEY?.trim() || audit === raw.HOTLINE_INDEX_KEY?.trim())) {
    problems.push('HOTLINE_AUDIT_KEY must differ from HOTLINE_MASTER_KEY and HOTLINE_INDEX_KEY');
  }
  // Derived from the request, the callback URL would follow the Host header a client sends (or a proxy passes on).
  if (raw.OIDC_ISSUER?.trim() && !raw.OIDC_REDIRECT_URI?.trim()) {
    problems.push('OIDC_REDIRECT_URI is required when NODE_ENV=production and OIDC_ISSUER is set (the callback URL registered at the IdP)');
  }
  return problems;
}

export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  /** Attached files (docs/attachments.md): the largest file accepted and how many a report takes. */
  /** `sweepEveryMs`: how often abandoned uploads are swept (src/tasks/attachment-sweep.ts); `clamd`: where uploads are scanned (src/intake/clamd.ts), null: not scanned. */
  attachments: { maxBytes: number; maxPerReport: number; sweepEveryMs: number; clamd: { host?: string; port: number; socket?: string } | null };
  http: {
    port: number;
    host: string;
    bodyLimitBytes: number;
    requestTimeoutMs: number;
    maxConcurrentRequests: number;
    /** Reverse proxies in front whose X-Forwarded-For entries are believed (0: none; the socket address is the client). */
    trustProxyHops: number;
    /** Origins allowed cross-origin access with credentials (empty: same origin only). */
    corsAllowedOrigins: string[];
    /** How often an open subscription re-checks its credential (session ended, revoked, user disabled: the stream ends). */
    subscriptionRecheckMs: number;
  };
  /** The staff console: where its built assets are, and when an idle session is signed out. */
  console: { dir: string; idleTimeoutMs: number };
  /**
   * The partner face (partner operations and pages only, internet-facing): its port (null: not served by this
   * process; `--process=partner` defaults to 4100), its address, and where its built pages are.
   */
  partner: { port: number | null; host: string; dir: string };
  graphql: { maxDepth: number; maxAliases: number; maxCost: number; graphiql: boolean; introspection: boolean };
  mongo: { uri: string; dbName: string; startupAttempts: number };
  /** Whether a process runs pending store migrations at start-up (MIGRATE_ON_START; otherwise it refuses to start: src/migrations/runner.ts). */
  migrations: { runOnStart: boolean };
  /** Where Redis is (one server, or a master group found through Sentinel) and the prefix of every key. */
  redis: { server: RedisServer; queuePrefix: string };
  /**
   * master: wraps data keys; index: blind indexes and intake ids; audit: the
   * integrity keys (keyed chains, token hashes, record MACs, checkpoint
   * signatures), kept out of the database so a database writer cannot forge them.
   */
  keys: { master: Uint8Array; previousMasters: Uint8Array[]; index: Uint8Array; previousIndexes: Uint8Array[]; audit: Uint8Array; previousAudits: Uint8Array[] };
  /** Signed checkpoints of the audit chain: the directory they are appended to (outside the database), and how often the worker writes one. */
  audit: {
    anchorDir: string;
    checkpointEveryMs: number;
    /** Partner entries wait until their minute has passed before they are appended (PARTNER_AUDIT_HOLD). */
    holdPartnerEntries: boolean;
  };
  auth: {
    sessionTtlMs: number;
    maxFailuresPerUser: number;
    maxFailuresPerClient: number;
    blockSeconds: number;
    /** The per-username back-off over every client (src/auth/rate-limit.ts). */
    backoff: { afterFailures: number; baseSeconds: number; maxSeconds: number; forgetSeconds: number };
    /** Days a successful sign-in exempts its (username, client) pair from the back-off and the per-client limit. */
    knownClientDays: number;
    /** Roles whose members must sign in with a second factor (src/auth/mfa.ts). */
    mfaRequiredRoles: Role[];
    /** How long a partner's previous API key keeps working after a rotation. */
    partnerKeyOverlapMs: number;
  };
  triage: {
    slaSeconds: Record<Priority, number>;
    outboxSweepMs: number;
    outboxStaleMs: number;
    /** How often overdue, unclaimed reports whose SLA job was lost are escalated (src/tasks/overdue-sweep.ts). */
    overdueSweepMs: number;
    /** How often a worker checks whether the reconcile must scan (src/queue/liveness.ts): Redis commands only, unless it must. */
    outboxReconcileMs: number;
    /** The reconcile's scans run at least this often whatever the check says. */
    reconcileSafetyMs: number;
    /** How old an unchained audit event must be before the recovery chains it (its writer may still be on it). */
    auditRecoveryGraceMs: number;
    attempts: number;
    /** Triage jobs one worker routes at once (each waits mostly on the store; priorities still decide which is taken next). */
    concurrency: number;
    backoffMs: number;
    /** How long a partner's triage job is held past the minute it arrived in (triage/queue.ts); 0: not held. */
    partnerHoldMs: number;
    rulesFile: string;
    retentionDays: number;
    /** How often the worker reviews closed reports past `retentionDays` (fixed: daily). */
    retentionReviewEveryMs: number;
    /** How often the worker prunes the day-old entries of "my submissions" and the intake tally (fixed: hourly). */
    pruneSubmissionsEveryMs: number;
    /** The statistics roll-up's and nightly reconciliation's periods (src/tasks/statistics-rollup.ts and src/tasks/statistics-reconcile.ts). */
    statisticsRollUpEveryMs: number;
    statisticsReconcileEveryMs: number;
    /**
     * Linking's bounds: at most `maxCandidates` reports decrypted per report
     * (more are recorded, not read), and a term filed by more than
     * `sharedThreshold` reports is "shared by many": weak evidence, not linked.
     */
    linking: { maxCandidates: number; sharedThreshold: number };
  };
  /** Outgoing webhooks (src/webhooks/): per-attempt timeout, attempts before a dead letter, first backoff (exponential), internal networks they may go to. */
  webhooks: { timeoutMs: number; attempts: number; backoffMs: number; allowedNetworks: string[] };
  /** In-service notifications (src/notifications/): the SLA warning's lead time, and how often the worker looks for reports to warn of (fixed: every minute). */
  notifications: { slaWarningMs: number; slaWarningCheckEveryMs: number };
  /**
   * GET /metrics: on its own listener when `port` is set (null: none), and on
   * the main port behind `token` when set (null: not there). Neither: off.
   */
  metrics: { port: number | null; host: string; token: string | null };
  /** OpenID Connect single sign-on for staff (src/auth/oidc.ts); null: off. */
  oidc: OidcConfig | null;
  process: Env['HOTLINE_PROCESS'];
  logLevel: Env['LOG_LEVEL'];
  warnings: string[];
}

/**
 * One Redis server by URL, or the current master of a Sentinel-watched group
 * (REDIS_SENTINELS): every client asks the sentinels for the master, and asks
 * again after a failover. src/queue/redis.ts turns this into clients.
 */
export type RedisServer =
  | { url: string }
  | { sentinels: { host: string; port: number }[]; masterName: string; sentinelPassword: string | null; password: string | null };

/** `host:port`, `host` (port 26379, Sentinel's own) or `[v6]:port`; null when malformed. */
function parseHostPort(value: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(value);
  if (!m) return null;
  const port = m[3] === undefined ? 26379 : Number(m[3]);
  return port >= 1 && port <= 65535 ? { host: (m[1] ?? m[2])!, port } : null;
}

/** REDIS_URL, or Sentinel when REDIS_SENTINELS is set (then REDIS_URL is ignored, with a warning); problems go to `problems`. */
function redisServer(env: Env, problems: string[], warnings: string[]): RedisServer | null {
  if (!env.REDIS_SENTINELS) {
    for (const k of ['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD', 'REDIS_PASSWORD'] as const) {
      if (env[k]) problems.push(`${k} is only read with REDIS_SENTINELS${k === 'REDIS_PASSWORD' ? ' (with REDIS_URL, put the password in the URL)' : ''}`);
    }
    if (!env.REDIS_URL) problems.push('REDIS_URL is not set (npm start sets it to the local Redis)');
    return env.REDIS_URL ? { url: env.REDIS_URL } : null;
  }
  if (!env.REDIS_SENTINEL_MASTER) problems.push('REDIS_SENTINEL_MASTER is required when REDIS_SENTINELS is set (the master group name the sentinels monitor)');
  if (env.REDIS_URL) warnings.push('REDIS_URL is ignored: REDIS_SENTINELS is set, and every Redis client finds the master through the sentinels');
  return {
    sentinels: env.REDIS_SENTINELS.split(',').map((s) => parseHostPort(s.trim())!),
    masterName: env.REDIS_SENTINEL_MASTER ?? '',
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD ?? null,
    password: env.REDIS_PASSWORD ?? null,
  };
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the IdP sends the browser back; null: derived from the request (`<origin>/auth/oidc/callback`). */
  redirectUri: string | null;
  scopes: string;
  roleClaim: string;
  roleMap: RoleMapEntry[];
  label: string;
  timeoutSeconds: number;
}

/** OIDC settings, or null when OIDC_ISSUER is unset; problems go to `problems`. */
function oidcConfig(env: Env, problems: string[]): OidcConfig | null {
  if (!env.OIDC_ISSUER) return null;
  const missing = (['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_ROLE_MAP'] as const).filter((k) => !env[k]);
  for (const k of missing) problems.push(`${k} is required when OIDC_ISSUER is set`);
  const issuer = new URL(env.OIDC_ISSUER);
  // Plain http only to a provider on this machine (tests, development): tokens must not cross a network in clear.
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && /^(127\.0\.0\.1|localhost|\[::1\])$/.test(issuer.hostname))) {
    problems.push('OIDC_ISSUER must be an https:// URL (http:// only for a provider on 127.0.0.1)');
  }
  let roleMap: RoleMapEntry[] = [];
  try {
    if (env.OIDC_ROLE_MAP) roleMap = parseRoleMap(env.OIDC_ROLE_MAP);
  } catch (err) {
    problems.push(`OIDC_ROLE_MAP ${(err as Error).message}`);
  }
  if (missing.length) return null;
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID!,
    clientSecret: env.OIDC_CLIENT_SECRET!,
    redirectUri: env.OIDC_REDIRECT_URI ?? null,
    scopes: env.OIDC_SCOPES.split(' ').includes('openid') ? env.OIDC_SCOPES : `openid ${env.OIDC_SCOPES}`,
    roleClaim: env.OIDC_ROLE_CLAIM,
    roleMap,
    label: env.OIDC_LABEL,
    timeoutSeconds: env.OIDC_TIMEOUT_SECONDS,
  };
}

/** What the backup commands need (docs/backup.md): the backup key, where the anchors are, which database. */
export interface BackupConfig {
  key: Uint8Array;
  anchorDir: string;
  dbName: string;
  /**
   * HOTLINE_AUDIT_KEY (and the retired ones), for `restore` to sign its
   * restore event in the anchor directory (audit/anchor.ts); outside
   * production the development key file's when unset and the file exists;
   * null when neither (restore then signs nothing, and says so).
   */
  audit: { key: Uint8Array; previous: Uint8Array[] } | null;
}

/**
 * The backup commands' settings, validated by the same schema as the rest
 * (they run without a database connection: a restore runs while the store
 * is stopped). HOTLINE_BACKUP_KEY has no default anywhere: a backup sealed
 * under a generated key nobody kept would be lost, and the service itself
 * never needs it.
 */
export function loadBackupConfig(rawEnv: NodeJS.ProcessEnv = process.env, opts: { dataDir?: string } = {}): BackupConfig {
  const env0 = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== '')) as NodeJS.ProcessEnv;
  const parsed = schema.pick({ HOTLINE_BACKUP_KEY: true, HOTLINE_AUDIT_ANCHOR_DIR: true, MONGODB_DB: true, NODE_ENV: true, HOTLINE_AUDIT_KEY: true, HOTLINE_PREVIOUS_AUDIT_KEYS: true }).safeParse(env0);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`));
  const env = parsed.data;
  const problems: string[] = [];
  if (!env.HOTLINE_BACKUP_KEY) problems.push(`HOTLINE_BACKUP_KEY is required for backups (${KEY_HINT}; keep it apart from the backups and the other keys)`);
  if (env.NODE_ENV === 'production' && !env.HOTLINE_AUDIT_ANCHOR_DIR) problems.push('HOTLINE_AUDIT_ANCHOR_DIR is required when NODE_ENV=production');
  for (const other of ['HOTLINE_MASTER_KEY', 'HOTLINE_INDEX_KEY', 'HOTLINE_AUDIT_KEY'] as const) {
    if (env.HOTLINE_BACKUP_KEY && env.HOTLINE_BACKUP_KEY === env0[other]?.trim()) problems.push(`HOTLINE_BACKUP_KEY must differ from ${other}`);
  }
  if (problems.length) throw new ConfigError(problems);
  const dataDir = opts.dataDir ?? join(PROJECT_ROOT, '.data');
  const devKeyFile = join(dataDir, 'dev-keys.json');
  const auditB64 =
    env.HOTLINE_AUDIT_KEY ?? (env.NODE_ENV !== 'production' && existsSync(devKeyFile) ? (JSON.parse(readFileSync(devKeyFile, 'utf8')) as { audit?: string }).audit : undefined);
  const auditKey = auditB64 ? decodeKey(auditB64) : null;
  return {
    key: new Uint8Array(decodeKey(env.HOTLINE_BACKUP_KEY!)!),
    anchorDir: env.HOTLINE_AUDIT_ANCHOR_DIR ?? join(dataDir, 'audit-anchors'),
    dbName: env.MONGODB_DB,
    audit: auditKey?.length === 32 ? { key: new Uint8Array(auditKey), previous: keyList(env.HOTLINE_PREVIOUS_AUDIT_KEYS) } : null,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

function mfaRoles(value: string): Role[] {
  if (value === 'ALL') return [...ROLES];
  if (value === 'NONE') return [];
  return [...new Set(value.split(',').map((r) => r.trim() as Role))];
}

function decodeKey(value: string): Buffer | null {
  const v = value.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) return null;
  return Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * Development convenience: keys are generated once into .data/dev-keys.json
 * so a fresh clone runs with `npm start` alone. Never used in production.
 */
function devKeys(dataDir: string, warnings: string[]): { master: string; index: string; audit: string } {
  const file = join(dataDir, 'dev-keys.json');
  const known: Partial<Record<'master' | 'index' | 'audit', string>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  if (known.master && known.index && known.audit) return known as { master: string; index: string; audit: string };
  // A file from before the audit key gains one; the keys it had are kept (they open existing data).
  const keys = {
    master: known.master ?? randomBytes(32).toString('base64'),
    index: known.index ?? randomBytes(32).toString('base64'),
    audit: known.audit ?? randomBytes(32).toString('base64'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  warnings.push(`generated development encryption keys in ${file}; set HOTLINE_MASTER_KEY, HOTLINE_INDEX_KEY and HOTLINE_AUDIT_KEY for real data`);
  return keys;
}

/**
 * Parses the environment. Throws ConfigError naming every bad variable (never
 * its value). Missing MONGODB_URI / REDIS_URL (or REDIS_SENTINELS) outside production are allowed
 * only when the caller supplies local services (`local`).
 */
export function loadConfig(
  rawEnv: NodeJS.ProcessEnv = process.env,
  opts: { dataDir?: string } = {},
): Config {
  // Empty values count as unset (compose files and shells often pass VAR=).
  const env0 = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== '')) as NodeJS.ProcessEnv;
  const parsed = schema.safeParse(env0);
  const early = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`)),
    ...productionProblems(env0),
  ];
  if (!parsed.success || early.length) throw new ConfigError(early);
  const env = parsed.data;
  const warnings: string[] = [];
  const problems: string[] = [];
  if (!env.MONGODB_URI) problems.push('MONGODB_URI is not set (npm start sets it to the local store)');
  const redis = redisServer(env, problems, warnings);
  if (env.METRICS_PORT && env.METRICS_PORT === env.PORT) problems.push('METRICS_PORT must differ from PORT');
  const partnerPort = env.PARTNER_PORT ?? (env.HOTLINE_PROCESS === 'partner' ? DEFAULT_PARTNER_PORT : null);
  if (partnerPort && (partnerPort === env.PORT || partnerPort === env.METRICS_PORT)) problems.push('PARTNER_PORT must differ from PORT and METRICS_PORT');
  // The partner face exports no metrics (a request's time would say more than the minute): its process opens no metrics listener.
  if (env.HOTLINE_PROCESS === 'partner' && (env.METRICS_PORT !== undefined || env.METRICS_TOKEN)) warnings.push('METRICS_PORT and METRICS_TOKEN are ignored by the partner process: it exports no metrics');
  if (env.METRICS_PORT !== undefined && !env.METRICS_TOKEN && !/^(127\.|::1$|localhost$)/.test(env.METRICS_HOST)) {
    warnings.push('METRICS_HOST is not a loopback address and METRICS_TOKEN is not set: anyone who can reach the metrics port can read it');
  }
  const oidc = oidcConfig(env, problems);
  if (problems.length) throw new ConfigError(problems);

  let masterB64 = env.HOTLINE_MASTER_KEY;
  let indexB64 = env.HOTLINE_INDEX_KEY;
  let auditB64 = env.HOTLINE_AUDIT_KEY;
  if (!masterB64 || !indexB64 || !auditB64) {
    const dev = devKeys(opts.dataDir ?? join(PROJECT_ROOT, '.data'), warnings);
    masterB64 ??= dev.master;
    indexB64 ??= dev.index;
    auditB64 ??= dev.audit;
  }
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    production,
    attachments: {
      maxBytes: env.ATTACHMENT_MAX_BYTES,
      maxPerReport: env.ATTACHMENT_MAX_PER_REPORT,
      sweepEveryMs: 15 * 60_000,
      // Scanning where the force runs clamd: a socket path, or a host (and port); neither: no scanning.
      clamd: env.CLAMD_SOCKET ? { socket: env.CLAMD_SOCKET, port: env.CLAMD_PORT } : env.CLAMD_HOST ? { host: env.CLAMD_HOST, port: env.CLAMD_PORT } : null,
    },
    http: {
      port: env.PORT,
      host: env.HOST,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      maxConcurrentRequests: env.MAX_CONCURRENT_REQUESTS,
      trustProxyHops: env.TRUST_PROXY === 'true' ? 1 : env.TRUST_PROXY === 'false' ? 0 : Number(env.TRUST_PROXY),
      corsAllowedOrigins: (env.CORS_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean).map((o) => new URL(o).origin),
      subscriptionRecheckMs: env.SUBSCRIPTION_RECHECK_MS,
    },
    console: { dir: env.CONSOLE_DIR, idleTimeoutMs: env.CONSOLE_IDLE_MINUTES * 60_000 },
    partner: { port: partnerPort, host: env.PARTNER_HOST, dir: env.PARTNER_WEB_DIR },
    graphql: {
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxCost: env.GRAPHQL_MAX_COST,
      graphiql: !production,
      introspection: !production,
    },
    mongo: { uri: env.MONGODB_URI!, dbName: env.MONGODB_DB, startupAttempts: env.STARTUP_ATTEMPTS },
    migrations: { runOnStart: production ? env.MIGRATE_ON_START === 'true' : env.MIGRATE_ON_START !== 'false' },
    redis: { server: redis!, queuePrefix: env.QUEUE_PREFIX },
    keys: {
      master: new Uint8Array(decodeKey(masterB64)!),
      previousMasters: (env.HOTLINE_PREVIOUS_MASTER_KEYS ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean)
        .map((k) => new Uint8Array(decodeKey(k)!)),
      index: new Uint8Array(decodeKey(indexB64)!),
      previousIndexes: keyList(env.HOTLINE_PREVIOUS_INDEX_KEYS),
      audit: new Uint8Array(decodeKey(auditB64)!),
      previousAudits: keyList(env.HOTLINE_PREVIOUS_AUDIT_KEYS),
    },
    audit: {
      anchorDir: env.HOTLINE_AUDIT_ANCHOR_DIR ?? join(opts.dataDir ?? join(PROJECT_ROOT, '.data'), 'audit-anchors'),
      checkpointEveryMs: env.AUDIT_CHECKPOINT_MINUTES * 60_000,
      holdPartnerEntries: env.PARTNER_AUDIT_HOLD === 'minute',
    },
    auth: {
      sessionTtlMs: env.SESSION_TTL_MINUTES * 60_000,
      maxFailuresPerUser: env.LOGIN_MAX_FAILURES_PER_USER,
      maxFailuresPerClient: env.LOGIN_MAX_FAILURES_PER_CLIENT,
      blockSeconds: env.LOGIN_BLOCK_SECONDS,
      backoff: { afterFailures: env.LOGIN_BACKOFF_AFTER_FAILURES, baseSeconds: env.LOGIN_BACKOFF_BASE_SECONDS, maxSeconds: env.LOGIN_BACKOFF_MAX_SECONDS, forgetSeconds: env.LOGIN_BACKOFF_FORGET_SECONDS },
      knownClientDays: env.LOGIN_KNOWN_CLIENT_DAYS,
      mfaRequiredRoles: mfaRoles(env.MFA_REQUIRED_ROLES ?? (production ? 'ALL' : 'NONE')),
      partnerKeyOverlapMs: env.PARTNER_KEY_OVERLAP_HOURS * 3_600_000,
    },
    triage: {
      slaSeconds: { P1: env.SLA_P1_SECONDS, P2: env.SLA_P2_SECONDS, P3: env.SLA_P3_SECONDS, P4: env.SLA_P4_SECONDS },
      outboxSweepMs: env.OUTBOX_SWEEP_MS,
      outboxStaleMs: env.OUTBOX_STALE_MS,
      overdueSweepMs: env.OVERDUE_SWEEP_MS,
      outboxReconcileMs: env.OUTBOX_RECONCILE_MS,
      reconcileSafetyMs: env.RECONCILE_SAFETY_MS,
      auditRecoveryGraceMs: env.AUDIT_RECOVERY_GRACE_MS,
      attempts: env.TRIAGE_ATTEMPTS,
      backoffMs: env.TRIAGE_BACKOFF_MS,
      partnerHoldMs: env.PARTNER_TRIAGE_HOLD_SECONDS * 1000,
      concurrency: env.TRIAGE_CONCURRENCY,
      rulesFile: env.ROUTING_RULES_FILE,
      retentionDays: env.RETENTION_DAYS,
      retentionReviewEveryMs: 24 * 3_600_000,
      pruneSubmissionsEveryMs: 3_600_000,
      statisticsRollUpEveryMs: 60_000,
      statisticsReconcileEveryMs: 24 * 3_600_000,
      linking: { maxCandidates: env.LINK_MAX_CANDIDATES, sharedThreshold: env.LINK_SHARED_THRESHOLD },
    },
    webhooks: {
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      attempts: env.WEBHOOK_ATTEMPTS,
      backoffMs: env.WEBHOOK_BACKOFF_MS,
      allowedNetworks: (env.WEBHOOK_ALLOWED_NETWORKS ?? '')
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    },
    notifications: { slaWarningMs: env.NOTIFY_SLA_WARNING_MINUTES * 60_000, slaWarningCheckEveryMs: 60_000 },
    metrics: { port: env.METRICS_PORT ?? null, host: env.METRICS_HOST, token: env.METRICS_TOKEN ?? null },
    oidc,
    process: env.HOTLINE_PROCESS,
    logLevel: env.LOG_LEVEL,
    warnings,
  };
}
