#!/usr/bin/env node
// After `vite build`: the gzipped size of what a first visit to the console
// loads (the entry script, its preloaded chunks and the stylesheet), printed
// and written to dist/web/size.json for the benchmark. Target: JS under 250 KB.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../stack/binaries.mjs';

const dir = process.env.CONSOLE_DIR || join(ROOT, 'dist', 'web');
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
const size = (ext) =>
  refs.filter((r) => r.endsWith(ext)).reduce((sum, r) => sum + gzipSync(readFileSync(join(dir, r))).length, 0);
const result = { jsGzipBytes: size('.js'), cssGzipBytes: size('.css'), files: refs };
writeFileSync(join(dir, 'size.json'), JSON.stringify(result, null, 2));
process.stderr.write(`[web] first visit loads ${(result.jsGzipBytes / 1024).toFixed(1)} KB of JavaScript and ${(result.cssGzipBytes / 1024).toFixed(1)} KB of CSS (gzipped; target JS < 250 KB)\n`);
