/**
 * How the host CLI acts as a named admin for decisions that need one (a
 * role grant's second approval): it signs in through the ordinary login
 * with that admin's password (read from stdin by the CLI), so the attempt is
 * rate-limited and audited like any sign-in, acts as the resulting
 * principal, and signs out. Nobody can approve "as" an admin by naming them.
 */
import { forbidden } from '../errors.js';
import type { AuthService } from './service.js';
import type { StaffPrincipal } from './types.js';

/** Runs `act` as the named admin; the session lives only for this call. */
export async function actAsAdmin<T>(
  auth: AuthService,
  username: string,
  password: string,
  secondFactor: string | null,
  act: (admin: StaffPrincipal) => Promise<T>,
): Promise<T> {
  // The same second factor as any sign-in (required for every role in production by default).
  const { token } = await auth.login(username, password, 'admin-cli', secondFactor);
  const principal = await auth.authenticate(token);
  try {
    if (principal?.kind !== 'staff' || !principal.roles.includes('ADMIN')) throw forbidden(`${username} is not an admin`);
    return await act(principal);
  } finally {
    if (principal) await auth.logout(principal);
  }
}
