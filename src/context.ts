/** The per-request context: who is asking, and the services to ask. */
import type { Principal } from './auth/types.js';
import type { Logger } from './logger.js';
import type { Services } from './deps.js';

export interface GraphQLContext {
  principal: Principal | null;
  requestId: string;
  /** The client address, for staff rate limiting only; never stored for partners. */
  clientIp: string;
  services: Services;
  log: Logger;
}
