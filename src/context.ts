/** The per-request context: who is asking, and the services to ask. */
import type { Principal } from './auth/types.js';
import type { Logger } from './logger.js';
import type { GraphQLServices } from './graphql/services.js';

export interface GraphQLContext {
  principal: Principal | null;
  requestId: string;
  /** The client address, for sign-in rate limits only (staff and partner accounts: a keyed hash in Redis); never stored. */
  clientIp: string;
  services: GraphQLServices;
  log: Logger;
  /** The console's HttpOnly session cookie; a no-op outside an HTTP request. */
  sessionCookie: SessionCookie;
  /** The partner portal's HttpOnly session cookie (`hotline_partner`), the same way. */
  partnerCookie: SessionCookie;
  /** How long the console waits without activity before signing out (configuration). */
  consoleIdleTimeoutMs: number;
  /** The largest file an upload may carry (ATTACHMENT_MAX_BYTES): told to the console, so its hints say the configured limit. */
  attachmentMaxBytes: number;
  /**
   * Aborted when the client has gone or the request's deadline (REQUEST_TIMEOUT_MS) has passed: work
   * nobody waits for stops. Every resolver checks it first (src/graphql/deadline.ts); a service about to
   * decrypt or to make a costly store call may check it too. A subscription's signal follows its stream only.
   */
  signal: AbortSignal;
}

/** Sets or clears the console's session cookie, so the token never reaches page scripts. */
export interface SessionCookie {
  set(token: string, expiresAt: Date): void;
  clear(): void;
}
