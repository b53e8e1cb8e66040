/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, as `npm run bench -- --profile`
 * writes into bench-results/profiles/): where the process spent its time, by
 * package (our src/, each node_modules package, Node internals, GC, idle)
 * and by function (self time), and our own functions by inclusive time.
 *
 *   npx tsx scripts/bench/profile.ts bench-results/profiles/api.<t>.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of all samples, by where the code lives. */
  byPackage: { name: string; ms: number; pct: number }[];
  /** Functions by self time. */
  bySelf: { fn: string; where: string; ms: number; pct: number }[];
  /** Our functions (src/) by inclusive time: themselves and all they called. */
  oursInclusive: { fn: string; where: string; ms: number; pct: number }[];
}

/** Where a frame's code lives: `ours`, a node_modules package, `node` internals or a pseudo-frame. */
function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.includes('/src/')) return 'ours (src/)';
  if (url.includes('/scripts/') || url.includes('/tests/')) return 'ours (scripts/tests)';
  return url;
}

function shortWhere(url: string, line: number): string {
  const nm = url.lastIndexOf('/node_modules/');
  const path = nm >= 0 ? url.slice(nm + '/node_modules/'.length) : url.includes('/src/') ? url.slice(url.indexOf('/src/') + 1) : url.replace(/^file:\/\//, '');
  return `${path}:${line + 1}`;
}

/** Self and inclusive time per node, aggregated by package and function. */
export function summariseProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const pct = (ms: number) => Math.round((ms / totalMs) * 1000) / 10;

  const packages = new Map<string, number>();
  const functions = new Map<string, { fn: string; where: string; ms: number }>();
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
    const key = `${functionName}@${url}:${lineNumber}`;
    const f = functions.get(key) ?? { fn: functionName || '(anonymous)', where: shortWhere(url, lineNumber), ms: 0 };
    f.ms += ms;
    functions.set(key, f);
  }

  // Inclusive time of our functions; a function already on the path is not counted twice (recursion).
  const inclusive = new Map<string, { fn: string; where: string; ms: number }>();
  const totals = new Map<number, number>();
  const totalOf = (id: number): number => {
    const cached = totals.get(id);
    if (cached !== undefined) return cached;
    const n = byId.get(id)!;
    const t = (self.get(id) ?? 0) + (n.children ?? []).reduce((sum, c) => sum + totalOf(c), 0);
    totals.set(id, t);
    return t;
  };
  const walk = (id: number, onPath: Set<string>) => {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const key = `${functionName}@${url}:${lineNumber}`;
    const ours = packageOf(url, functionName) === 'ours (src/)';
    const counted = ours && !onPath.has(key);
    if (counted) {
      const f = inclusive.get(key) ?? { fn: functionName || '(anonymous)', where: shortWhere(url, lineNumber), ms: 0 };
      f.ms += totalOf(id);
      inclusive.set(key, f);
      onPath.add(key);
    }
    for (const c of n.children ?? []) walk(c, onPath);
    if (counted) onPath.delete(key);
  };
  walk(profile.nodes[0]!.id, new Set());

  const sorted = <T extends { ms: number }>(xs: Iterable<T>) => [...xs].sort((a, b) => b.ms - a.ms);
  const round = (ms: number) => Math.round(ms);
  return {
    totalMs: round(totalMs),
    byPackage: sorted([...packages].map(([name, ms]) => ({ name, ms }))).slice(0, top).map((p) => ({ ...p, ms: round(p.ms), pct: pct(p.ms) })),
    bySelf: sorted(functions.values()).slice(0, top).map((f) => ({ ...f, ms: round(f.ms), pct: pct(f.ms) })),
    oursInclusive: sorted(inclusive.values()).slice(0, top).map((f) => ({ ...f, ms: round(f.ms), pct: pct(f.ms) })),
  };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npx tsx scripts/bench/profile.ts <file.cpuprofile> [--top N]\n');
    process.exit(64);
  }
  const topArg = process.argv.indexOf('--top');
  const s = summariseProfile(readProfile(file), topArg > 0 ? Number(process.argv[topArg + 1]) : 25);
  console.log(`${file}: ${(s.totalMs / 1000).toFixed(1)} s of samples`);
  console.log('\nby package (self time)');
  console.table(s.byPackage);
  console.log('by function (self time)');
  console.table(s.bySelf);
  console.log('our functions (inclusive time)');
  console.table(s.oursInclusive);
}
