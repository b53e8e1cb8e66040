/**
 * THE layers of the server, lowest first: a module may import its own layer
 * and the ones below it, never one above (type-only imports count: a type is
 * a dependency of meaning), and no import circle is allowed at all.
 * Guarded by: tests/unit/layers.test.ts (reads every import under src/).
 *
 * A file named exactly by a pattern belongs to that layer (`auth/types.ts`
 * sits below the rest of `auth/`); otherwise to the first layer, searching
 * from the TOP down, with a pattern that matches it, so a domain's GraphQL
 * file (`auth/schema.ts`) lands in `api` while the rest of its folder sits
 * lower. Patterns are paths under src/, `*` within a segment, `**` across
 * segments. A new module takes
 * its place here (the test fails on a file no layer claims). Nothing imports
 * this file: it is a table for the test and the README.
 */
export interface Layer {
  name: string;
  /** What the layer is for, in a phrase (printed in the README's architecture table). */
  holds: string;
  patterns: readonly string[];
}

export const LAYERS: readonly Layer[] = [
  { name: 'foundation', holds: 'typed errors, the logger, time and address helpers, paging shapes', patterns: ['errors.ts', 'logger.ts', 'time.ts', 'paging.ts', 'net/**'] },
  {
    name: 'vocabulary',
    holds: 'roles, desks, priorities and the other closed lists; the authorisation table, separation of duties, SSO claim mapping',
    patterns: ['auth/types.ts', 'auth/policy.ts', 'auth/separation.ts', 'auth/oidc-claims.ts', 'reports/model/vocabulary.ts'],
  },
  { name: 'config', holds: 'configuration read once with zod, failing fast', patterns: ['config.ts'] },
  { name: 'crypto', holds: 'libsodium, keys, field cipher, blind-index terms, integrity MACs: nothing about reports', patterns: ['crypto/**'] },
  { name: 'db', holds: 'the MongoDB client and its error classification', patterns: ['db/**'] },
  { name: 'queue', holds: 'bull queues on one set of Redis connections, and every Redis client (one URL or Sentinel)', patterns: ['queue/**'] },
  { name: 'audit', holds: 'the hash-chained audit log, its anchors and its verification', patterns: ['audit/**'] },
  { name: 'auth', holds: 'users, sessions, second factors, SSO, partners and their keys', patterns: ['auth/**', 'partners/**'] },
  { name: 'report-model', holds: 'what a stored report is: its shape, content types, the encrypted-field list and codec, envelope MAC, history chain', patterns: ['reports/model/**'] },
  { name: 'report-rules', holds: 'the rules over reports: row access, state machine, partner time, staff text', patterns: ['reports/rules/**'] },
  { name: 'report-store', holds: 'the only code that stores reports: repository, side tables, writer, freshness', patterns: ['reports/store/**'] },
  { name: 'report-content', holds: 'the one door to report content (reports/content/vault.ts: every seal and open, the audited read) and the key rotations', patterns: ['reports/content/**'] },
  { name: 'outbound', holds: 'notifications to staff and webhooks to other systems', patterns: ['notifications/**', 'webhooks/**'] },
  { name: 'intake', holds: 'hotline calls and partner referrals: validation and recording', patterns: ['intake/**'] },
  { name: 'triage', holds: 'routing rules, the triage worker\'s tasks, linking, SLA escalation, desk events', patterns: ['triage/**'] },
  { name: 'desk', holds: 'investigator and supervisor work on reports, and the views it returns', patterns: ['reports/desk/**'] },
  { name: 'backup', holds: 'encrypted backups of the local store and the audit anchors, and their restore (docs/backup.md)', patterns: ['backup/**'] },
  { name: 'metrics', holds: 'Prometheus metrics of the services and queues', patterns: ['metrics/**'] },
  { name: 'migrations', holds: 'versioned store migrations (one file each), their lock and the start-up version check', patterns: ['migrations/**'] },
  {
    name: 'api',
    holds: 'GraphQL (builder, context, every schema file) and the Koa app',
    patterns: ['graphql/**', 'http/**', 'context.ts', '**/schema.ts', '**/*-schema.ts', 'reports/graphql/**', 'auth/oidc-routes.ts', 'metrics/http.ts', 'metrics/operation.ts', 'metrics/listener.ts'],
  },
  { name: 'process', holds: 'wiring, the entry points (api, worker) and the task registry the worker runs', patterns: ['deps.ts', 'main.ts', 'worker.ts', 'layers.ts', 'tasks/**'] },
];

const patternRegex = (pattern: string) =>
  new RegExp(`^${pattern.split('**').map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('.*')}$`);

/** The layer of a path under src/ (e.g. `reports/store/repository.ts`), or null if no layer claims it. */
export function layerOf(path: string): { index: number; layer: Layer } | null {
  const exact = LAYERS.findIndex((layer) => layer.patterns.includes(path));
  if (exact >= 0) return { index: exact, layer: LAYERS[exact]! };
  for (let index = LAYERS.length - 1; index >= 0; index--) {
    if (LAYERS[index]!.patterns.some((p) => patternRegex(p).test(path))) return { index, layer: LAYERS[index]! };
  }
  return null;
}
