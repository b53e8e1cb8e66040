/**
 * GraphQL for auditors: the audit log by username, report reference, action
 * and time range (or internal ids), each entry in words; its CSV export; and
 * chain verification.
 */
import { builder } from '../graphql/builder.js';
import { badInput } from '../errors.js';
import type { AuditFilterInput, DescribedAuditEntry } from './auditor.js';
import type { AuditFact } from './describe.js';
import type { AuditVerification } from './types.js';
import { restoredWords } from './anchor.js';

const AuditFactRef = builder.objectRef<AuditFact>('AuditFact').implement({
  description: 'One detail of an entry as a label and a value in words',
  fields: (t) => ({
    label: t.exposeString('label'),
    value: t.exposeString('value'),
  }),
});

const AuditEntryRef = builder.objectRef<DescribedAuditEntry>('AuditEntry').implement({
  fields: (t) => ({
    actionLabel: t.string({ description: "The action's name in words", resolve: (e) => e.words.actionLabel }),
    actorLabel: t.string({ description: 'Who acted: a username, a partner name, a system part, or "Not signed in"', resolve: (e) => e.words.actorLabel }),
    actorTypeLabel: t.string({ resolve: (e) => e.words.actorTypeLabel }),
    targetLabel: t.string({ nullable: true, description: 'What the entry is about, by reference or name', resolve: (e) => e.words.targetLabel }),
    facts: t.field({ type: [AuditFactRef], description: 'The details in words: no sealed reasons, keyed hashes or internal ids', resolve: (e) => e.words.facts }),
    seq: t.exposeInt('seq'),
    at: t.expose('at', { type: 'DateTime' }),
    actorType: t.string({ resolve: (e) => e.actor.type }),
    actorId: t.string({ nullable: true, resolve: (e) => e.actor.id ?? null }),
    actorName: t.string({ nullable: true, resolve: (e) => e.actor.name ?? null }),
    action: t.exposeString('action'),
    outcome: t.exposeString('outcome'),
    targetType: t.string({ nullable: true, resolve: (e) => e.target?.type ?? null }),
    targetId: t.string({ nullable: true, resolve: (e) => e.target?.id ?? null }),
    details: t.string({
      description: 'JSON as stored (sealed reasons and keyed hashes included); never contains report content',
      deprecationReason: 'Read `facts`: the same details in words, with names and references instead of ids',
      resolve: (e) => JSON.stringify(e.details),
    }),
    prevHash: t.exposeString('prevHash'),
    hash: t.exposeString('hash'),
  }),
});

const AuditPage = builder.objectRef<{ entries: DescribedAuditEntry[]; hasNextPage: boolean }>('AuditLogPage').implement({
  fields: (t) => ({
    entries: t.field({ type: [AuditEntryRef], resolve: (p) => p.entries }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
    nextCursor: t.int({ nullable: true, description: 'Pass as `before` for the next (older) page', resolve: (p) => (p.hasNextPage ? (p.entries.at(-1)?.seq ?? null) : null) }),
  }),
});

const AnchorStatusEnum = builder.enumType('AuditAnchorStatus', {
  description: 'How the audit chain compares with the signed checkpoints and tips kept outside the database',
  values: {
    OK: { description: 'Every checkpoint, and every signed tip above the latest, matches the chain' },
    TRUNCATED: { description: 'The chain is shorter than a checkpoint or a signed tip says: entries were deleted' },
    REWRITTEN: { description: 'The entry at a checkpoint or signed tip has another hash: the chain was rebuilt' },
    RESTORED: { description: 'Every signed record that still counts matches: the store was restored from an older backup by a signed restore, with no checkpoint since (see restored)' },
    NONE: { description: 'No checkpoint or tip whose signature verifies yet' },
  } as const,
});

const AuditRestoreRef = builder.objectRef<{ seq: number; backupAt: string; restoredAt: string; missing: number }>('AuditRestore').implement({
  description: 'A signed restore of the store from a backup older than what was signed outside the database',
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: 'The chain entry the backup ends at: the chain holds it exactly, and new entries follow it' }),
    backupAt: t.field({ type: 'DateTime', description: 'When the backup was taken', resolve: (r) => new Date(r.backupAt) }),
    restoredAt: t.field({ type: 'DateTime', description: 'When it was restored', resolve: (r) => new Date(r.restoredAt) }),
    missing: t.exposeInt('missing', { description: 'Audit entries signed after the backup that are not in it' }),
    summary: t.string({ description: '"restored to <time>: N audit entries after it are not in this backup"', resolve: (r) => restoredWords(r) }),
  }),
});

export const ChainVerificationRef = builder.objectRef<AuditVerification>('ChainVerification').implement({
  fields: (t) => ({
    valid: t.exposeBoolean('valid', { description: 'The keyed chain verifies and agrees with every signed checkpoint and tip' }),
    length: t.exposeInt('length'),
    brokenAt: t.exposeInt('brokenAt', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    anchor: t.field({ type: AnchorStatusEnum, resolve: (v) => v.anchor }),
    anchorSeq: t.exposeInt('anchorSeq', { nullable: true, description: 'seq of the latest checkpoint whose signature verifies' }),
    anchoredAt: t.field({ type: 'DateTime', nullable: true, description: 'When that checkpoint was taken', resolve: (v) => v.anchoredAt }),
    firstDifference: t.exposeInt('firstDifference', { nullable: true, description: 'The first entry that differs from what the checkpoints, the signed tips and the key attest' }),
    restored: t.field({ type: AuditRestoreRef, nullable: true, description: 'The latest signed restore that still counts, or null', resolve: (v) => v.restored ?? null }),
  }),
});

const AuditExportRef = builder.objectRef<{ filename: string; csv: string; rows: number; truncated: boolean }>('AuditExport').implement({
  fields: (t) => ({
    filename: t.exposeString('filename'),
    csv: t.exposeString('csv', { description: "The table's columns as CSV (quoted, formula-guarded), newest first" }),
    rows: t.exposeInt('rows'),
    truncated: t.exposeBoolean('truncated', { description: 'More entries matched than one export holds (10,000)' }),
  }),
});

builder.queryFields((t) => ({
  auditLog: t.field({
    type: AuditPage,
    description: 'Newest first',
    authScopes: { allow: 'auditLog' },
    args: {
      username: t.arg.string({ description: 'Entries by this person, about their account, or failed sign-ins with this name' }),
      reference: t.arg.string({ description: 'Entries about the report holding this reference' }),
      actorId: t.arg.string({ description: 'An internal user or partner id (ignored when username is given)' }),
      reportId: t.arg.id({ description: 'An internal report id (ignored when reference is given)' }),
      action: t.arg.string(),
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
      first: t.arg.int({ defaultValue: 50 }),
      before: t.arg.int({ description: 'A seq from nextCursor' }),
    },
    resolve: (_r, a, ctx) => {
      if (a.first !== null && a.first !== undefined && (a.first < 1 || a.first > 500)) throw badInput('first must be between 1 and 500', ['first']);
      return ctx.services.auditor.page(filterOf(a), { first: a.first ?? 50, after: a.before ?? undefined });
    },
  }),
  verifyAuditLog: t.field({
    type: ChainVerificationRef,
    authScopes: { allow: 'verifyAuditLog' },
    resolve: (_r, _a, ctx) => ctx.services.audit.verify(),
  }),
}));

builder.mutationFields((t) => ({
  exportAuditLog: t.field({
    type: AuditExportRef,
    description: 'The filtered log as CSV, up to 10,000 entries; the export is itself recorded (audit.export)',
    authScopes: { allow: 'exportAuditLog' },
    args: {
      username: t.arg.string(),
      reference: t.arg.string(),
      actorId: t.arg.string(),
      reportId: t.arg.id(),
      action: t.arg.string(),
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
    },
    resolve: (_r, a, ctx) => ctx.services.auditor.exportCsv(ctx.principal, filterOf(a)),
  }),
}));

function filterOf(a: { username?: string | null; reference?: string | null; actorId?: string | null; reportId?: string | number | null; action?: string | null; from?: Date | null; to?: Date | null }): AuditFilterInput {
  return {
    username: a.username,
    reference: a.reference,
    actorId: a.actorId,
    reportId: a.reportId === null || a.reportId === undefined ? null : String(a.reportId),
    action: a.action,
    from: a.from,
    to: a.to,
  };
}
