/**
 * zod probes once whether it may compile its validators with `Function('')`.
 * Under the console's Content-Security-Policy (no 'unsafe-eval') the probe is
 * refused and the browser reports a securitypolicyviolation; telling zod not
 * to try keeps the console free of violations (tests/e2e/statistics.test.ts
 * listens for them). Imported first by main.tsx, before any schema is used.
 */
import { z } from 'zod';

z.config({ jitless: true });
