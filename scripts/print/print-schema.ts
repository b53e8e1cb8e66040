/** Writes the SDL to schema/schema.graphql; a test fails when that file is stale. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { PROJECT_ROOT } from '../../src/config.js';
import { buildSchema } from '../../src/graphql/schema.js';

export const SCHEMA_FILE = join(PROJECT_ROOT, 'schema', 'schema.graphql');
export const printedSchema = () => `${printSchema(buildSchema())}\n`;

if (process.argv[1]?.endsWith('print-schema.ts')) {
  writeFileSync(SCHEMA_FILE, printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
