/**
 * For development: when MONGODB_URI and REDIS_URL are not set, use the local
 * store and Redis under .data/ (starting them if they are not already up on
 * their local ports). When both are set (or MONGODB_URI and REDIS_SENTINELS),
 * they are used as they are.
 */
import { join } from 'node:path';
import net from 'node:net';
import { PROJECT_ROOT } from '../../src/config.js';
import { startServices, type Services } from './services.js';

/** `.data/` unless HOTLINE_LOCAL_DATA_DIR says otherwise (tests run `npm start` in a throwaway folder). */
export const LOCAL_DATA_DIR = process.env.HOTLINE_LOCAL_DATA_DIR || join(PROJECT_ROOT, '.data');
const MONGO_PORT = Number(process.env.LOCAL_MONGO_PORT ?? 27027);
const REDIS_PORT = Number(process.env.LOCAL_REDIS_PORT ?? 6389);

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export interface LocalStack {
  /** Empty when the environment names its own services (then the process environment is used as it is). */
  env: { MONGODB_URI?: string; REDIS_URL?: string };
  services: Services | null;
}

export async function useLocalStack(): Promise<LocalStack> {
  if (process.env.MONGODB_URI && (process.env.REDIS_URL || process.env.REDIS_SENTINELS)) return { env: {}, services: null };
  if (process.env.NODE_ENV === 'production') {
    throw new Error('NODE_ENV=production needs MONGODB_URI and REDIS_URL (or REDIS_SENTINELS); the local stack is for development only');
  }
  if ((await listening(MONGO_PORT)) && (await listening(REDIS_PORT))) {
    return { env: { MONGODB_URI: `mongodb://127.0.0.1:${MONGO_PORT}/`, REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}` }, services: null };
  }
  const services = await startServices({ dataDir: join(LOCAL_DATA_DIR, 'services'), mongoPort: MONGO_PORT, redisPort: REDIS_PORT, appendOnly: true });
  return { env: { MONGODB_URI: services.mongoUri, REDIS_URL: services.redisUrl }, services };
}
