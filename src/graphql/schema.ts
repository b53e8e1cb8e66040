/** Imports every domain's GraphQL definitions and builds the schema. */
import { builder } from './builder.js';
import { guardResolvers } from './deadline.js';
import './scalars.js';
import '../auth/schema.js';
import '../auth/oidc-schema.js';
import '../auth/mfa-schema.js';
import '../auth/lifecycle-schema.js';
import '../partners/account-schema.js';
import '../webhooks/partner-schema.js';
import '../reports/graphql/report-schema.js';
import '../intake/schema.js';
import '../intake/follow-up-schema.js';
import '../intake/our-referrals-schema.js';
import '../reports/graphql/desk-schema.js';
import '../reports/graphql/urgent-schema.js';
import '../reports/graphql/overview-schema.js';
import '../reports/graphql/statistics-schema.js';
import '../reports/graphql/statistics-threat-schema.js';
import '../reports/graphql/statistics-map-schema.js';
import '../reports/graphql/statistics-export-schema.js';
import '../reports/graphql/search-schema.js';
import '../reports/graphql/entity-schema.js';
import '../reports/graphql/neighbourhood-schema.js';
import '../reports/graphql/corrections-schema.js';
import '../reports/graphql/attachment-schema.js';
import '../triage/schema.js';
import '../triage/rules-schema.js';
import '../audit/schema.js';
import '../reports/graphql/retention-schema.js';
import '../notifications/schema.js';
import '../webhooks/schema.js';

export function buildSchema() {
  // Every resolver stops a request whose client has gone or whose deadline has passed (deadline.ts).
  return guardResolvers(builder.toSchema({ sortSchema: true }));
}
