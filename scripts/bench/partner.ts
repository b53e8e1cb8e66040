/**
 * Passing on a tip through the partner face, as a caseworker sees it, in Debian's Chromium (issue 23: p50 under
 * 300 ms on the local stack): the partner process (`--process=partner`) and the worker as deployed, a caseworker
 * account made as the service makes them (a partner admin asked for and approved, the caseworker added by them,
 * own password and authenticator: tests/support/factories.ts, on this script's own wiring of the same store), its
 * session cookie set in the browser; the form filled minimally (one category, the narrative), from pressing
 * "Pass it on" until the receipt is visible, then "Pass on another tip". One unmeasured run first. Measured,
 * never asserted.
 *
 * Runnable alone, starting its own FerretDB and Redis:
 * `node scripts/stack/bootstrap.mjs exec npx tsx scripts/bench/partner.ts [--quick]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { createPartner, createPartnerAccount } from '../../tests/support/factories.js';
import type { TestApp } from '../../tests/support/app.js';
import { freePort, startServices } from '../stack/services.js';
import { chromiumPath } from './console.js';
import { latency, startProcess, type Latency, runIfMain } from './support.js';

const NARRATIVE = 'Someone at the centre says a man has been photographing the synagogue entrances from a parked car for three evenings.';

export interface PartnerBenchResult {
  chromium: string;
  /** "Pass it on" pressed → receipt visible; ms. */
  passOn: Latency;
  /** Referrals passed on (warm-up included). */
  passedOn: number;
}

/** The measured loop, against a partner face at `origin` and a caseworker's session `token`. */
export async function runPartnerBench(o: { origin: string; token: string; runs: number }): Promise<PartnerBenchResult> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("Chromium not found: `npm run bench` installs Debian's chromium (or set CHROMIUM_PATH)");
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const times: number[] = [];
  let passedOn = 0;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies([{ name: 'hotline_partner', value: o.token, url: o.origin, httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    await page.goto(`${o.origin}/`);
    await page.getByRole('heading', { name: 'Pass on a tip', level: 1 }).waitFor({ timeout: 30_000 });
    for (let i = 0; i <= o.runs; i++) {
      await page.getByLabel('Extremist material').check();
      await page.getByLabel('What did they tell you?').fill(`${NARRATIVE} (${i})`);
      // Focus first, then a bare Enter (as a keyboard user submits): the timing leaves out Playwright's click checks.
      await page.getByRole('button', { name: 'Pass it on' }).focus();
      const t0 = performance.now();
      await page.keyboard.press('Enter');
      await page.locator('#receipt-code').waitFor({ state: 'visible', timeout: 30_000 });
      const ms = performance.now() - t0;
      passedOn++;
      if (i > 0) times.push(ms);
      await page.getByRole('button', { name: 'Pass on another tip' }).click();
      await page.getByLabel('What did they tell you?').waitFor();
    }
    return { chromium: browser.version(), passOn: latency(times), passedOn };
  } finally {
    await browser.close().catch(() => {});
  }
}

/**
 * The phase on a running stack (its store, Redis and worker, from `env`): makes the organisation's accounts through
 * the services, starts the partner face (`--process=partner`) on a port of its own, measures, stops it.
 */
export async function measurePartnerFace(env: Record<string, string>, runs: number, say: (line: string) => void = () => {}): Promise<PartnerBenchResult> {
  say('making the organisation, its partner admin and a caseworker');
  // Without the partner audit hold here only (the accounts' sign-ins would each wait for their minute to pass);
  // the partner face measured below keeps the default, which never holds up a partner's answer.
  const deps = await createDeps(loadConfig({ ...process.env, ...env, PARTNER_AUDIT_HOLD: 'off' }), createLogger('warn'));
  let face: Awaited<ReturnType<typeof startProcess>> | undefined;
  try {
    const app = { deps } as unknown as TestApp;
    const org = await createPartner(app, `Bench Community Forum ${randomBytes(3).toString('hex')}`);
    const caseworker = await createPartnerAccount(app, org);
    const port = await freePort();
    say('starting the partner face');
    face = await startProcess('partner', { env: { ...env, PARTNER_HOST: '127.0.0.1', PARTNER_PORT: String(port) }, port });
    say('passing on tips in Chromium');
    return await runPartnerBench({ origin: `http://127.0.0.1:${port}`, token: caseworker.token, runs });
  } finally {
    await face?.stop().catch(() => {});
    await deps.close().catch(() => {});
  }
}

/** The line `npm run bench` and this script print. */
export const partnerLine = (r: PartnerBenchResult) =>
  `partner face: pass on a tip, submit to receipt shown: p50 ${r.passOn.p50.toFixed(0)} ms, p95 ${r.passOn.p95.toFixed(0)} ms (${r.passOn.n} runs, Chromium ${r.chromium})`;

async function main() {
  const quick = process.argv.includes('--quick');
  const dir = mkdtempSync(join(tmpdir(), 'hotline-bench-partner-'));
  const services = await startServices({ dataDir: dir });
  let worker: Awaited<ReturnType<typeof startProcess>> | undefined;
  const say = (line: string) => process.stderr.write(`bench partner: ${line}\n`);
  try {
    const env: Record<string, string> = {
      NODE_ENV: 'production', MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl, MONGODB_DB: 'hotline_bench_partner', QUEUE_PREFIX: 'benchpartner',
      HOTLINE_MASTER_KEY: randomBytes(32).toString('base64'), HOTLINE_INDEX_KEY: randomBytes(32).toString('base64'), HOTLINE_AUDIT_KEY: randomBytes(32).toString('base64'),
      HOTLINE_AUDIT_ANCHOR_DIR: join(dir, 'audit-anchors'), MFA_REQUIRED_ROLES: 'none', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0',
    };
    say('starting the worker');
    worker = await startProcess('worker', { env });
    const result = await measurePartnerFace(env, quick ? 10 : 30, say);
    process.stdout.write(`${partnerLine(result)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await worker?.stop().catch(() => {});
    await services.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, main);
