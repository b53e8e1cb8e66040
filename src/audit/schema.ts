/** GraphQL for auditors: the audit log by actor, report, action and time range, and chain verification. */
import { builder } from '../graphql/builder.js';
import { badInput } from '../errors.js';
import type { AuditEntry, AuditVerification } from './types.js';

const AuditEntryRef = builder.objectRef<AuditEntry>('AuditEntry').implement({
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    at: t.expose('at', { type: 'DateTime' }),
    actorType: t.string({ resolve: (e) => e.actor.type }),
    actorId: t.string({ nullable: true, resolve: (e) => e.actor.id ?? null }),
    actorName: t.string({ nullable: true, resolve: (e) => e.actor.name ?? null }),
    action: t.exposeString('action'),
    outcome: t.exposeString('outcome'),
    targetType: t.string({ nullable: true, resolve: (e) => e.target?.type ?? null }),
    targetId: t.string({ nullable: true, resolve: (e) => e.target?.id ?? null }),
    details: t.string({ description: 'JSON; never contains report content', resolve: (e) => JSON.stringify(e.details) }),
    prevHash: t.exposeString('prevHash'),
    hash: t.exposeString('hash'),
  }),
});

const AuditPage = builder.objectRef<{ entries: AuditEntry[]; hasNextPage: boolean }>('AuditLogPage').implement({
  fields: (t) => ({
    entries: t.field({ type: [AuditEntryRef], resolve: (p) => p.entries }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
    nextCursor: t.int({ nullable: true, description: 'Pass as `before` for the next (older) page', resolve: (p) => (p.hasNextPage ? (p.entries.at(-1)?.seq ?? null) : null) }),
  }),
});

const AnchorStatusEnum = builder.enumType('AuditAnchorStatus', {
  description: 'How the audit chain compares with the signed checkpoints kept outside the database',
  values: {
    OK: { description: 'Every checkpoint matches the chain' },
    TRUNCATED: { description: 'The chain is shorter than a checkpoint says: entries were deleted' },
    REWRITTEN: { description: 'The entry at a checkpoint has another hash: the chain was rebuilt' },
    NONE: { description: 'No checkpoint whose signature verifies yet' },
  } as const,
});

export const ChainVerificationRef = builder.objectRef<AuditVerification>('ChainVerification').implement({
  fields: (t) => ({
    valid: t.exposeBoolean('valid', { description: 'The keyed chain verifies and agrees with every signed checkpoint' }),
    length: t.exposeInt('length'),
    brokenAt: t.exposeInt('brokenAt', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    anchor: t.field({ type: AnchorStatusEnum, resolve: (v) => v.anchor }),
    anchorSeq: t.exposeInt('anchorSeq', { nullable: true, description: 'seq of the latest checkpoint whose signature verifies' }),
    anchoredAt: t.field({ type: 'DateTime', nullable: true, description: 'When that checkpoint was taken', resolve: (v) => v.anchoredAt }),
    firstDifference: t.exposeInt('firstDifference', { nullable: true, description: 'The first entry that differs from what the checkpoints and the key attest' }),
  }),
});

builder.queryFields((t) => ({
  auditLog: t.field({
    type: AuditPage,
    description: 'Newest first',
    authScopes: { allow: 'auditLog' },
    args: {
      actorId: t.arg.string(),
      reportId: t.arg.id(),
      action: t.arg.string(),
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
      first: t.arg.int({ defaultValue: 50 }),
      before: t.arg.int({ description: 'A seq from nextCursor' }),
    },
    resolve: (_r, a, ctx) => {
      if (a.first !== null && a.first !== undefined && (a.first < 1 || a.first > 500)) throw badInput('first must be between 1 and 500', ['first']);
      return ctx.services.audit.query(
        { actorId: a.actorId ?? undefined, targetId: a.reportId ?? undefined, targetType: a.reportId ? 'report' : undefined, action: a.action ?? undefined, from: a.from ?? undefined, to: a.to ?? undefined },
        { first: a.first ?? 50, after: a.before ?? undefined },
      );
    },
  }),
  verifyAuditLog: t.field({
    type: ChainVerificationRef,
    authScopes: { allow: 'verifyAuditLog' },
    resolve: (_r, _a, ctx) => ctx.services.audit.verify(),
  }),
}));
