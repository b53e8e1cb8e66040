// The partner portal's build: its own entry and bundle (never the staff console's), hashed assets in
// dist/partner, served by the partner face at `/` (src/http/partner-pages.ts). No inline script or style, so the
// page runs under the partner face's strict Content-Security-Policy.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    // PARTNER_WEB_DIR: the same variable the server reads to find the pages (default dist/partner).
    outDir: process.env.PARTNER_WEB_DIR || fileURLToPath(new URL('../../dist/partner', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev:partner` against a running `npm start` (its partner face on 4100).
    proxy: { '/graphql': 'http://127.0.0.1:4100' },
  },
});
