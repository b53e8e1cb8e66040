#!/usr/bin/env node
// After `vite build`: the gzipped size of what a first visit loads (the entry script, its preloaded chunks and
// the stylesheet), printed and written to size.json beside the build for the benchmark. With no argument, the
// staff console (dist/web, CONSOLE_DIR; target JS under 250 KB); with `partner`, the partner portal
// (dist/partner, PARTNER_WEB_DIR; target JS under 150 KB).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../stack/binaries.mjs';

const partner = process.argv[2] === 'partner';
const dir = partner ? process.env.PARTNER_WEB_DIR || join(ROOT, 'dist', 'partner') : process.env.CONSOLE_DIR || join(ROOT, 'dist', 'web');
const targetKb = partner ? 150 : 250;
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
const size = (ext) =>
  refs.filter((r) => r.endsWith(ext)).reduce((sum, r) => sum + gzipSync(readFileSync(join(dir, r))).length, 0);
const result = { jsGzipBytes: size('.js'), cssGzipBytes: size('.css'), files: refs };
writeFileSync(join(dir, 'size.json'), JSON.stringify(result, null, 2));
process.stderr.write(`[${partner ? 'partner' : 'web'}] first visit loads ${(result.jsGzipBytes / 1024).toFixed(1)} KB of JavaScript and ${(result.cssGzipBytes / 1024).toFixed(1)} KB of CSS (gzipped; target JS < ${targetKb} KB)\n`);
