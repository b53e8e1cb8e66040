/**
 * Starts one throwaway FerretDB and Redis for the whole run, on free ports and
 * in a temporary directory, and hands their URLs to the test files. Nothing
 * depends on a service someone left running.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startServices, type Services } from '../../scripts/stack/services.js';

let services: Services | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject) {
  dataDir = mkdtempSync(join(tmpdir(), 'hotline-test-'));
  services = await startServices({ dataDir, appendOnly: false });
  project.provide('mongoUri', services.mongoUri);
  project.provide('redisUrl', services.redisUrl);
  project.provide('servicesDataDir', dataDir);
}

export async function teardown() {
  await services?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    redisUrl: string;
    servicesDataDir: string;
  }
}
