// The staff console's build: React, one entry, hashed assets in dist/web
// (served by the API at `/`, see src/http/console.ts). No inline scripts, so
// the page runs under a strict Content-Security-Policy.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    // CONSOLE_DIR: the same variable the server reads to find the console (default dist/web).
    outDir: process.env.CONSOLE_DIR || fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    // No inline module-preload polyfill: every script is a file from this origin.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
    // One chunk on purpose (a first visit loads it all anyway), but for the statistics screen and its chart library, fetched
    // on its first visit (React.lazy in routes.tsx); the first visit's gzipped size is what scripts/print/web-size.mjs reports.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev:web` against a running `npm start`.
    proxy: { '/graphql': 'http://127.0.0.1:4000' },
  },
});
