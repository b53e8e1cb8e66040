/**
 * The ticket a first sign-in answers with, instead of a session, for an account whose password someone else
 * chose (an admin): it lets its holder choose their own password (setInitialPassword, partnerSetInitialPassword)
 * for ten minutes. Kept in Redis under a keyed hash of the ticket, naming only the account id; one place for
 * staff users (src/auth/service.ts) and partner accounts (src/partners/accounts.ts), each under its own prefix so
 * a ticket of one side never opens the other's.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Integrity } from '../crypto/integrity.js';

/** How long the ticket a first sign-in hands out (to choose one's own password) is valid. */
const PASSWORD_TICKET_TTL_SECONDS = 10 * 60;
const PASSWORD_TICKET_PREFIX = 'hlp_';

export type PasswordTickets = ReturnType<typeof createPasswordTickets>;

/** `prefix` namespaces the tickets in Redis (the queue prefix; the partner side adds its own part). */
export function createPasswordTickets(redis: Redis, prefix: string, integrity: Integrity) {
  const keyOf = (ticket: string) => `${prefix}:password-ticket:${integrity.mac('token', ticket.slice(0, 100))}`;
  return {
    /** A new ticket for the account. */
    async issue(accountId: string): Promise<string> {
      const ticket = PASSWORD_TICKET_PREFIX + randomBytes(32).toString('base64url');
      await redis.set(keyOf(ticket), accountId, 'EX', PASSWORD_TICKET_TTL_SECONDS);
      return ticket;
    },
    /** The account the ticket was issued for, or null (unknown, expired or spent). */
    holder: async (ticket: string): Promise<string | null> => (ticket.startsWith(PASSWORD_TICKET_PREFIX) ? redis.get(keyOf(ticket)) : null),
    /** Spends the ticket (after the new password is stored). */
    async spend(ticket: string) {
      await redis.del(keyOf(ticket));
    },
  };
}
