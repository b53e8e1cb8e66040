/** Imports every domain's GraphQL definitions and builds the schema. */
import { builder } from './builder.js';
import './scalars.js';
import '../auth/schema.js';
import '../reports/schema.js';
import '../intake/schema.js';
import '../reports/desk-schema.js';
import '../triage/schema.js';
import '../audit/schema.js';
import '../reports/retention-schema.js';

export function buildSchema() {
  return builder.toSchema({ sortSchema: true });
}
