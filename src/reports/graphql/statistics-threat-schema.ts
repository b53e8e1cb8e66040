/**
 * The national threat level over a statistics period, as a field of the
 * `Statistics` result, so the statistics screen draws it on the trend's time
 * axis. The threat level is public, so whoever may read the statistics
 * (supervisors and OVERSIGHT) may read its history: levels and times only,
 * never the reason a supervisor gave (the `threatLevel` query keeps that).
 */
import { builder } from '../../graphql/builder.js';
import { ThreatLevelEnum } from '../../triage/schema.js';
import type { ThreatLevelSpan } from '../../triage/threat-level.js';
import { ResultRef } from './statistics-schema.js';

export const SpanRef = builder.objectRef<ThreatLevelSpan>('ThreatLevelSpan').implement({
  description: 'A threat level in force from `since` until the next span (or the period end)',
  fields: (t) => ({
    level: t.field({ type: ThreatLevelEnum, nullable: false, resolve: (s) => s.level }),
    since: t.expose('since', { type: 'DateTime', nullable: true, description: 'When it was set; null: never set (the default level)' }),
  }),
});

builder.objectField(ResultRef, 'threatLevels', (t) =>
  t.field({
    type: [SpanRef],
    nullable: false,
    description: 'The national threat level over the period: the one in force on its first day, then every change within it, oldest first',
    resolve: (r, _a, ctx) => ctx.services.threatLevel.history(r.from, r.to),
  }),
);
