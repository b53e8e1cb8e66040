/** GraphQL for the national threat level. */
import { assertThat, unauthenticated } from '../errors.js';
import { builder } from '../graphql/builder.js';
import { THREAT_LEVELS } from './rules.js';

const ThreatLevelEnum = builder.enumType('ThreatLevel', { values: THREAT_LEVELS });
const ThreatLevelInfo = builder.objectRef<{ level: (typeof THREAT_LEVELS)[number]; reason: string | null; setAt: Date | null }>('ThreatLevelInfo').implement({
  fields: (t) => ({
    level: t.field({ type: ThreatLevelEnum, resolve: (i) => i.level }),
    reason: t.exposeString('reason', { nullable: true }),
    setAt: t.expose('setAt', { type: 'DateTime', nullable: true }),
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
