/** GraphQL for the national threat level. */
import { assertThat, unauthenticated } from '../errors.js';
import { builder } from '../graphql/builder.js';
import { THREAT_LEVELS } from './rules.js';

export const ThreatLevelEnum = builder.enumType('ThreatLevel', { values: THREAT_LEVELS });
type Level = (typeof THREAT_LEVELS)[number];
const ThreatLevelChange = builder.objectRef<{ level: Level; reason: string; setAt: Date }>('ThreatLevelChange').implement({
  fields: (t) => ({
    level: t.field({ type: ThreatLevelEnum, resolve: (c) => c.level }),
    reason: t.exposeString('reason'),
    setAt: t.expose('setAt', { type: 'DateTime' }),
  }),
});
const ThreatLevelInfo = builder
  .objectRef<{ level: Level; reason: string | null; setAt: Date | null; history: { level: Level; reason: string; setAt: Date }[] }>('ThreatLevelInfo')
  .implement({
    fields: (t) => ({
      level: t.field({ type: ThreatLevelEnum, resolve: (i) => i.level }),
      reason: t.exposeString('reason', { nullable: true }),
      setAt: t.expose('setAt', { type: 'DateTime', nullable: true }),
      history: t.field({ type: [ThreatLevelChange], description: 'The latest settings, newest first (the current one included); the audit log has them all', resolve: (i) => i.history }),
    }),
  });

builder.queryField('threatLevel', (t) =>
  t.field({ type: ThreatLevelInfo, authScopes: { allow: 'threatLevel' }, resolve: (_r, _a, ctx) => ctx.services.threatLevel.get() }),
);
builder.mutationField('setThreatLevel', (t) =>
  t.field({
    type: ThreatLevelInfo,
    description: 'Raises or lowers the national threat level; SEVERE and CRITICAL raise routing priorities',
    authScopes: { allow: 'setThreatLevel' },
    args: { level: t.arg({ type: ThreatLevelEnum, required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_r, { level, reason }, ctx) => {
      assertThat(ctx.principal, unauthenticated);
      return ctx.services.threatLevel.set(level, reason, ctx.principal);
    },
  }),
);
