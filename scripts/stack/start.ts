/**
 * `npm start`: brings up the local store and Redis (unless MONGODB_URI and
 * REDIS_URL, or REDIS_SENTINELS, point elsewhere) and runs the service (API + worker), stopping
 * everything cleanly on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../src/config.js';
import { LOCAL_DATA_DIR, useLocalStack } from './local-stack.js';

const stack = await useLocalStack();
if (stack.services) process.stderr.write(`[start] local store ${stack.env.MONGODB_URI}, redis ${stack.env.REDIS_URL} (data in ${LOCAL_DATA_DIR})\n`);
const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...process.argv.slice(2)], {
  cwd: PROJECT_ROOT,
  stdio: 'inherit',
  env: { ...process.env, ...stack.env },
});
const forward = (sig: NodeJS.Signals) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', async (code) => {
  await stack.services?.stop();
  process.exit(code ?? 1);
});
