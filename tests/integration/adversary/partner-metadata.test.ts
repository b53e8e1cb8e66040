/**
 * Partner metadata, played by whoever can read the stores afterwards (a
 * DBA, a stolen backup, Redis and its append-only file, the logs): after a
 * partner referral is triaged and worked by staff, no time about it finer
 * than the minute is anywhere (the report, the system's audit entries about
 * it, its version claims, Redis), and a partner request leaves no log line,
 * not even one that fails before it is parsed.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triageProcessorOf } from '../../../src/worker.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { Q } from '../../support/desk.js';
import { createPartner, createStaff } from '../../support/factories.js';
import { partnerReferral, SUBMIT_REFERRAL } from '../../support/payloads.js';

let app: TestApp;
let redis: Redis;
let partner: { apiKey: string; partner: { id: string } };
const logs: string[] = [];

beforeAll(async () => {
  app = await bootApp({ env: { LOG_LEVEL: 'info', PARTNER_TRIAGE_HOLD_SECONDS: '60' }, logDestination: { write: (line: string) => void logs.push(line) } });
  redis = new Redis(app.env.REDIS_URL!);
  partner = await createPartner(app);
});
afterAll(async () => {
  redis?.disconnect();
  await app?.close();
});

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})/g;
/** Milliseconds since the epoch, between 2017 and 2049: anything else is not a time. */
const isEpochMs = (n: number) => Number.isInteger(n) && n > 1.5e12 && n < 2.5e12;

/**
 * Every time found in `value` that is finer than the minute, with where it
 * was found: Date values, ISO strings (also inside longer strings and JSON
 * held in strings), and epoch-millisecond numbers (also as numeric strings).
 */
export function finerThanMinute(value: unknown, path = '$'): string[] {
  const fine = (ms: number) => ms % 60_000 !== 0;
  if (value instanceof Date) return fine(value.getTime()) ? [`${path} = ${value.toISOString()}`] : [];
  if (typeof value === 'number') return isEpochMs(value) && fine(value) ? [`${path} = ${value}`] : [];
  if (typeof value === 'string') {
    if (/^\d{13}$/.test(value)) return finerThanMinute(Number(value), path);
    const found = [...value.matchAll(ISO)].filter((m) => fine(Date.parse(m[0]))).map((m) => `${path} ~ ${m[0]}`);
    if (/^[[{]/.test(value)) {
      try {
        return [...found, ...finerThanMinute(JSON.parse(value), `${path}(json)`)];
      } catch {
        /* not JSON */
      }
    }
    return found;
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => finerThanMinute(v, `${path}[${i}]`));
  if (value && typeof value === 'object' && !Buffer.isBuffer(value) && (value as { _bsontype?: string })._bsontype !== 'Binary') {
    return Object.entries(value).flatMap(([k, v]) => finerThanMinute(v, `${path}.${k}`));
  }
  return [];
}

/** Every key of this app's Redis prefix, with its contents, as a reader of Redis (or its AOF) would have them. */
async function dumpRedis(prefix: string) {
  const keys = await redis.keys(`*${prefix}*`);
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'hash') out[key] = await redis.hgetall(key);
    else if (type === 'zset') out[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'list') out[key] = await redis.lrange(key, 0, -1);
    else if (type === 'set') out[key] = await redis.smembers(key);
    else if (type === 'string') out[key] = await redis.get(key);
    else out[key] = type;
  }
  return out;
}

describe('the helper finds what it must', () => {
  it('flags Dates, ISO strings, JSON in strings and epoch-ms numbers finer than the minute, and nothing else', () => {
    expect(finerThanMinute({ a: new Date('2026-03-01T10:00:00.000Z'), b: '2026-03-01T10:05:00Z', c: 1_772_359_200_000, d: 42 })).toEqual([]);
    expect(finerThanMinute({ a: new Date('2026-03-01T10:00:00.001Z') })).toHaveLength(1);
    expect(finerThanMinute({ s: 'due 2026-03-01T10:00:07Z' })).toHaveLength(1);
    expect(finerThanMinute({ j: '{"timestamp":1772359200123}' })).toHaveLength(1);
    expect(finerThanMinute(['1772359200123'])).toHaveLength(1);
  });
});

describe('partner metadata', () => {
  let reportId: string;

  beforeAll(async () => {
    const res = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(1, { categories: ['FINANCE'], receivedByPartnerAt: new Date(Date.now() - 3_600_000 - 1_234).toISOString() }) }, partner.apiKey);
    expect(res.errors).toBeUndefined();
    const raw = await app.deps.database.db.collection('reports').findOne({ source: 'PARTNER_REFERRAL' });
    reportId = raw!._id as unknown as string;
    // Triaged (links, decision, SLA job), then worked by staff: claimed and noted.
    expect(await triageProcessorOf(app.deps).route(reportId)).toBe('routed');
    const investigator = await createStaff(app, 'INVESTIGATOR', 'SO12');
    expect((await app.gql(Q.claim, { id: reportId }, investigator.token)).errors).toBeUndefined();
    expect((await app.gql(Q.note, { id: reportId, text: 'Checked the account against open cases.' }, investigator.token)).errors).toBeUndefined();
  });

  it('keeps no time finer than the minute in the report, its triage decision, history or version claims', async () => {
    const db = app.deps.database.db;
    const doc = await db.collection('reports').findOne({ _id: reportId as never });
    expect(doc!.triage).toMatchObject({ decidedAt: expect.any(Date), dueBy: expect.any(Date) });
    expect(doc!.history.length).toBeGreaterThanOrEqual(4); // received, triaged, claimed, noted
    expect(finerThanMinute(doc)).toEqual([]);
    const claims = await db.collection('report_versions').find({ _id: { $regex: `^${reportId}:` } as never }).toArray();
    expect(claims.length).toBeGreaterThanOrEqual(3);
    expect(finerThanMinute(claims)).toEqual([]);
  });

  it("keeps none in the system's audit entries about it", async () => {
    const entries = await app.deps.database.db.collection('audit').find({ 'target.id': reportId }).toArray();
    const system = entries.filter((e) => e.actor?.type === 'system' || e.actor?.type === 'partner');
    expect(system.map((e) => e.action)).toEqual(expect.arrayContaining(['report.create', 'report.triage']));
    expect(finerThanMinute(system)).toEqual([]);
  });

  it("holds a partner's triage job until past the next minute, so the time bull records for processing it says no more than the minute", async () => {
    const queues = app.deps.triageQueues;
    const id = `partner-delay-${Date.now()}`;
    expect(await queues.enqueueTriage({ _id: id, partner: true })).toBe(true);
    const job = await queues.triage.getJob(id);
    // Created at a whole minute, due 60 to 70 s after it: at the earliest, just after the minute it arrived in.
    expect(job!.timestamp % 60_000).toBe(0);
    expect(job!.opts.delay).toBeGreaterThanOrEqual(60_000);
    expect(job!.opts.delay).toBeLessThan(70_000);
    expect(await job!.isDelayed()).toBe(true);
    await job!.remove();
    // A hotline call's job is not held.
    expect(await queues.enqueueTriage({ _id: `${id}-hotline` })).toBe(true);
    const hotline = await queues.triage.getJob(`${id}-hotline`);
    expect(hotline!.opts.delay ?? 0).toBe(0);
    await hotline!.remove();
  });

  it('keeps none in Redis: job ids carry no time, job hashes none finer than the minute', async () => {
    const dump = await dumpRedis(app.env.QUEUE_PREFIX!);
    const keys = Object.keys(dump);
    // The SLA job is there (delayed), named by the report alone.
    expect(keys).toContain(`${app.env.QUEUE_PREFIX}:sla:sla:${reportId}`);
    // Keyed hashes (32+ hex characters) are taken out first: about one in twenty holds 13 decimal digits in a row by chance.
    for (const key of keys) expect(key.replace(/[0-9a-f]{32,}/g, '<hash>'), key).not.toMatch(/\d{13}|\d{4}-\d{2}-\d{2}T/);
    expect(finerThanMinute(dump)).toEqual([]);
  });

  it('writes no log line for a partner request, not even one that fails to parse', async () => {
    const post = (authorization: string) =>
      fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: '{"query": "mutation { submitPartnerReferral(' });
    // A staff member's malformed request is logged (so the capture works) ...
    const before = logs.length;
    expect((await post('Bearer hlt_not-a-real-session')).status).toBe(400);
    await new Promise((r) => setTimeout(r, 100));
    expect(logs.slice(before).some((l) => l.includes('"msg":"request"'))).toBe(true);
    // ... a partner's, valid key or not, is not.
    const mark = logs.length;
    expect((await post(`Bearer ${partner.apiKey}`)).status).toBe(400);
    expect((await post('Bearer hlp_not-a-real-key')).status).toBe(400);
    expect((await app.gql('{ partnerReferralStatus(receipt: "NOPE") { state } }', {}, partner.apiKey)).errors).toBeDefined();
    await new Promise((r) => setTimeout(r, 100));
    expect(logs.slice(mark)).toEqual([]);
  });
});
