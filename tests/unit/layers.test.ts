/**
 * The layer rule of src/layers.ts, read from the code itself: every relative
 * import under src/ (type-only ones included) points to the importer's own
 * layer or a lower one, every file has a layer, and the import graph has no
 * circle. The console (src/web) and the partner pages (src/partner-web) are separate builds and are not part of it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LAYERS, layerOf } from '../../src/layers.js';
import { layersTable, readmeLayersTable } from '../../scripts/print/print-layers.js';

const SRC = resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path === join(SRC, 'web') || path === join(SRC, 'partner-web') ? [] : sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every file under src/ (relative path) → the src files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('layers (src/layers.ts)', () => {
  const graph = importGraph();

  it('reads a real graph: hundreds of files and imports', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect([...graph.values()].flat().length).toBeGreaterThan(500);
  });

  it('gives every file under src/ a layer', () => {
    expect([...graph.keys()].filter((f) => !layerOf(f))).toEqual([]);
  });

  it('every import resolves to a file under src/', () => {
    const missing = [...graph].flatMap(([from, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${from} -> ${t}`));
    expect(missing).toEqual([]);
  });

  it('no import points up a layer', () => {
    const upward = [...graph].flatMap(([from, targets]) => {
      const own = layerOf(from)!;
      return targets
        .filter((t) => graph.has(t) && layerOf(t)!.index > own.index)
        .map((t) => `${from} (${own.layer.name}) -> ${t} (${layerOf(t)!.layer.name})`);
    });
    expect(upward).toEqual([]);
  });

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('the checker itself catches an upward arrow and a circle', () => {
    const probe = new Map([
      ['crypto/a.ts', ['reports/store/repository.ts']],
      ['reports/store/repository.ts', ['crypto/a.ts']],
    ]);
    expect(layerOf('crypto/a.ts')!.index).toBeLessThan(layerOf('reports/store/repository.ts')!.index);
    expect(circles(probe)).toEqual([['crypto/a.ts', 'reports/store/repository.ts']]);
    expect(layerOf('auth/schema.ts')!.layer.name).toBe('api');
    expect(layerOf('auth/service.ts')!.layer.name).toBe('auth');
  });

  it('names each layer once', () => {
    expect(new Set(LAYERS.map((l) => l.name)).size).toBe(LAYERS.length);
  });
});

describe('README layers table', () => {
  it('is the table generated from src/layers.ts (run `npx tsx scripts/print/print-layers.ts --write`)', () => {
    expect(readmeLayersTable()).toBe(layersTable());
  });
});
