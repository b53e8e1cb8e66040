/**
 * Store round trips per report: how many MongoDB commands the API sent per
 * acknowledged intake, and the worker per triaged report, during one phase,
 * with the commands that make them up. The counts come from each child's
 * store-counts.ts, read at the phase's start and end; this file turns the
 * two readings into per-report figures and prints them.
 */
import type { IntakeResult } from './intake.js';
import type { StoreCounts } from './store-counts.js';
import type { Child } from './support.js';

/** How many of the commands to name; the rest are summed as "other". */
const TOP = 8;

export interface PerReport {
  /** The denominator: acknowledged intakes (API) or the phase's reports routed within it (worker). */
  reports: number;
  /** Commands the process sent during the phase. */
  commands: number;
  perReport: number | null;
  /** Of those, the write commands (insert, update, delete, findAndModify): what the store commits, one durable commit each. */
  writes: number;
  writesPerReport: number | null;
  /** The most frequent commands, per report, most frequent first; `other` sums the rest. */
  top: { command: string; perReport: number }[];
  other: number;
}

export interface RoundTrips {
  /** null when the process could not be asked or could not count. */
  intake: PerReport | null;
  triage: (PerReport & { queuedBefore: number }) | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
/** Commands that write (the store commits each one): `insert x`, `update x`, `delete x`, `findAndModify x`. */
const WRITE_COMMANDS = /^(insert|update|delete|findAndModify) /;

function perReport(before: StoreCounts | null, after: StoreCounts | null, reports: number): PerReport | null {
  if (!before || !after) return null;
  const diff = Object.entries(after)
    .map(([command, n]) => ({ command, n: n - (before[command] ?? 0) }))
    .filter((d) => d.n > 0)
    .sort((a, b) => b.n - a.n);
  const commands = diff.reduce((sum, d) => sum + d.n, 0);
  const writes = diff.filter((d) => WRITE_COMMANDS.test(d.command)).reduce((sum, d) => sum + d.n, 0);
  const per = (n: number) => (reports > 0 ? round2(n / reports) : NaN);
  return {
    reports,
    commands,
    perReport: reports > 0 ? round2(commands / reports) : null,
    writes,
    writesPerReport: reports > 0 ? round2(writes / reports) : null,
    top: diff.slice(0, TOP).map((d) => ({ command: d.command, perReport: per(d.n) })),
    other: per(diff.slice(TOP).reduce((sum, d) => sum + d.n, 0)),
  };
}

/**
 * Runs one intake phase between two readings of the API's and the worker's
 * store commands. The worker's figure also holds its periodic work and any
 * reports queued before the phase (`queuedBefore`, read from the triage
 * queue at the start): the reader is told, the figure is not corrected.
 */
export async function countRoundTrips<T extends IntakeResult>(
  processes: { api: Pick<Child, 'storeCounts'>; worker: Pick<Child, 'storeCounts'> },
  queuedNow: () => Promise<number>,
  run: () => Promise<T>,
): Promise<T & { roundTrips: RoundTrips }> {
  const queuedBefore = await queuedNow();
  const [apiBefore, workerBefore] = await Promise.all([processes.api.storeCounts(), processes.worker.storeCounts()]);
  const result = await run();
  const [apiAfter, workerAfter] = await Promise.all([processes.api.storeCounts(), processes.worker.storeCounts()]);
  const triage = perReport(workerBefore, workerAfter, result.triage.reports - result.triage.untriaged);
  return {
    ...result,
    roundTrips: {
      intake: perReport(apiBefore, apiAfter, result.ok),
      triage: triage && { ...triage, queuedBefore },
    },
  };
}

/** `intake  3.1 round trips/report over 143 (insert reports 1.00, ...)` */
export function describePerReport(label: string, p: PerReport | null, unit: string): string {
  if (!p) return `${label} not counted`;
  if (p.perReport === null) return `${label} no ${unit} reports`;
  const parts = p.top.map((t) => `${t.command} ${t.perReport.toFixed(2)}`);
  if (p.other > 0) parts.push(`other ${p.other.toFixed(2)}`);
  return `${label} ${p.perReport.toFixed(1).padStart(5)} round trips/report, ${p.writesPerReport!.toFixed(1)} of them writes, over ${p.reports} ${unit} (${parts.join(', ')})`;
}

/** The section of the bench's table: full breakdowns for the phases named in `detailed`, totals for the others. */
export function roundTripLines(rows: { label: string; roundTrips: RoundTrips; detailed: boolean }[]): string[] {
  const out = [
    '',
    'Store round trips per report: MongoDB commands each process sent during the phase (counted on the driver\'s connections; getMore included, hello not),',
    'per acknowledged intake (API) and per report of the phase routed within it (worker; its periodic work included). Per report, most frequent first:',
  ];
  const total = (p: PerReport | null) => (p?.perReport == null ? '    -' : `${p.perReport.toFixed(1).padStart(5)} (writes ${p.writesPerReport!.toFixed(1)})`);
  for (const { label, roundTrips: r, detailed } of rows) {
    const backlog = r.triage?.queuedBefore ? ` [+ ${r.triage.queuedBefore} report(s) queued before the phase]` : '';
    if (!detailed) {
      out.push(`${label.padEnd(16)} intake ${total(r.intake)}  triage ${total(r.triage)}${backlog}`);
      continue;
    }
    out.push(`${label.padEnd(16)} ${describePerReport('intake', r.intake, 'acknowledged')}`);
    out.push(`${''.padEnd(16)} ${describePerReport('triage', r.triage, 'triaged')}${backlog}`);
  }
  return out;
}
