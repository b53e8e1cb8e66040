/** GraphQL for the latest retention review (supervisors). */
import { builder } from '../../graphql/builder.js';
import type { RetentionReview } from '../store/retention.js';

const Item = builder.objectRef<RetentionReview['reports'][number]>('RetentionReviewItem').implement({
  fields: (t) => ({ reportId: t.exposeID('id'), reference: t.exposeString('reference'), closedAt: t.expose('closedAt', { type: 'DateTime' }) }),
});
const Review = builder.objectRef<RetentionReview>('RetentionReview').implement({
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    retentionDays: t.exposeInt('retentionDays'),
    closedBefore: t.expose('closedBefore', { type: 'DateTime' }),
    reports: t.field({ type: [Item], resolve: (r) => r.reports }),
  }),
});

builder.queryField('retentionReview', (t) =>
  t.field({
    type: Review,
    nullable: true,
    description: 'The latest list of reports closed for longer than the retention period, for a decision on erasure',
    authScopes: { allow: 'retentionReview' },
    resolve: (_r, _a, ctx) => ctx.services.retention.latest(),
  }),
);
