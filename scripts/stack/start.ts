/**
 * `npm start`: brings up the local store and Redis (unless MONGODB_URI and
 * REDIS_URL, or REDIS_SENTINELS, point elsewhere) and runs the service (API + worker, and the partner
 * face on PARTNER_PORT, 4100 unless set), stopping everything cleanly on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { DEFAULT_PARTNER_PORT, PROJECT_ROOT } from '../../src/config.js';
import { LOCAL_DATA_DIR, useLocalStack } from './local-stack.js';

const stack = await useLocalStack();
if (stack.services) process.stderr.write(`[start] local store ${stack.env.MONGODB_URI}, redis ${stack.env.REDIS_URL} (data in ${LOCAL_DATA_DIR})\n`);
// The partner face runs too, on its own port (`--process=api|worker` alone leaves it out, as in production).
const partnerPort = process.env.PARTNER_PORT || String(DEFAULT_PARTNER_PORT);
const partnerHost = process.env.PARTNER_HOST || '127.0.0.1';
if (!process.argv.slice(2).some((a) => /^--process=(api|worker)$/.test(a))) process.stderr.write(`[start] partner portal at http://${partnerHost}:${partnerPort}/ (staff console at http://${process.env.HOST || '127.0.0.1'}:${process.env.PORT || '4000'}/)\n`);
const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...process.argv.slice(2)], {
  cwd: PROJECT_ROOT,
  stdio: 'inherit',
  env: { PARTNER_PORT: partnerPort, ...process.env, ...stack.env },
});
const forward = (sig: NodeJS.Signals) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', async (code) => {
  await stack.services?.stop();
  process.exit(code ?? 1);
});
