/**
 * FerretDB and Redis of a test file's own, in a throwaway directory, for
 * tests that break or inspect them (the suite's shared ones stay intact).
 * `stop` stops both and removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServices, type Services } from '../../scripts/stack/services.js';

export type OwnServices = Services & { dir: string };

export async function startOwnServices(prefix: string, opts: { appendOnly?: boolean } = {}): Promise<OwnServices> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const services = await startServices({ dataDir: dir, appendOnly: opts.appendOnly ?? false }).catch((err) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...services,
    dir,
    async stop() {
      await services.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
