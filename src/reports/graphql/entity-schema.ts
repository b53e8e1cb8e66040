/**
 * GraphQL for entity pages (src/reports/desk/entities.ts): `entity(ref)`, a
 * value of a report you may read and every report filed under it, as a
 * search answers it (readable hits; other desks only as one notice each).
 * `Report.entities` gives the opaque references the console links to (no
 * value in an address). Resolvers are one line.
 */
import { builder } from '../../graphql/builder.js';
import { ReportRef } from './report-schema.js';
import { SearchConnection } from './search-schema.js';
import { crowdedNoteOf, entityRefsOf, ENTITY_KINDS, type EntityKind, type EntityPage, type EntityRef } from '../desk/entities.js';

const EntityKindEnum = builder.enumType('EntityKind', {
  description: 'A kind of value with a page of its own',
  values: { name: { description: 'A subject name or alias' }, phone: {}, vehicle: { description: 'A vehicle registration' }, postcode: {} } satisfies Record<EntityKind, unknown>,
});

const EntityRefRef = builder.objectRef<EntityRef>('EntityRef').implement({
  description: 'A value of the report, with the opaque reference of its page',
  fields: (t) => ({
    kind: t.field({ type: EntityKindEnum, resolve: (e) => e.kind }),
    value: t.exposeString('value'),
    ref: t.exposeID('ref', { description: 'Opaque: report id, kind and index; resolved server-side after the read check (never the value)' }),
  }),
});

const EntityPageRef = builder.objectRef<EntityPage>('EntityPage').implement({
  description: 'A value and every report filed under it (exact; names also by sound and by part), as a search answers it',
  fields: (t) => ({
    kind: t.field({ type: EntityKindEnum, resolve: (e) => e.kind }),
    value: t.exposeString('value', { description: 'The value as the report you opened it from holds it' }),
    fromReportId: t.exposeID('fromReportId'),
    reports: t.field({
      type: SearchConnection,
      description: 'Readable reports filed under the value, newest filed first, with how each matched; reports you may not read as one notice per desk',
      resolve: (e) => e.search as never,
    }),
    crowded: t.string({
      nullable: true,
      description: 'When more reports are filed under the value than the page shows, in plain words ("Filed under more than 50 reports: …"); null when it shows them all',
      resolve: (e) => crowdedNoteOf(e.search),
    }),
  }),
});

builder.objectField(ReportRef, 'entities', (t) =>
  t.field({
    type: [EntityRefRef],
    description: "Subject names, phones, vehicle registrations and postcodes with a page each; empty outside the audited read of the report",
    resolve: (v) => (v.content ? entityRefsOf(v.doc._id, v.content) : []),
  }),
);

builder.queryFields((t) => ({
  entity: t.field({
    type: EntityPageRef,
    description: `The page of a value of a report you may read (${Object.keys(ENTITY_KINDS).join(', ')}): opening it is a search, audited as one with blind values only; NOT_FOUND for a reference you may not follow`,
    authScopes: { allow: 'entity' },
    args: { ref: t.arg.id({ required: true }), first: t.arg.int(), after: t.arg.string() },
    resolve: (_r, { ref, first, after }, ctx) => ctx.services.desk.entity(ctx.principal, String(ref), first, after),
  }),
}));
