/**
 * Requests a second admin decides (role grants, re-enable, desk move,
 * second-factor reset): the operations the admin screens use and what each
 * kind of request is called in words.
 */
import { graphql } from '../../gql';
import type { AccountChangeKind } from '../../gql/graphql';
import { humanise } from '../../ui/ui';

export const PENDING_REQUESTS = graphql(`
  query PendingRoleGrants {
    pendingRoleGrants { id kind username roles desk reason requestedBy requestedAt }
  }
`);

export const APPROVE_REQUEST = graphql(`
  mutation ApproveRoleGrant($id: ID!, $password: String!, $totp: String) {
    approveRoleGrant(id: $id, password: $password, totp: $totp) { id status username }
  }
`);

export const REJECT_REQUEST = graphql(`
  mutation RejectRoleGrant($id: ID!, $password: String!, $totp: String) {
    rejectRoleGrant(id: $id, password: $password, totp: $totp) { id status username }
  }
`);

export const REQUEST_ENABLE = graphql(`
  mutation RequestEnableUser($username: String!, $reason: String!) {
    enableUser(username: $username, reason: $reason) { id username }
  }
`);

export const REQUEST_MOVE_DESK = graphql(`
  mutation RequestMoveUserDesk($username: String!, $desk: Desk!, $reason: String!) {
    moveUserDesk(username: $username, desk: $desk, reason: $reason) { id username }
  }
`);

export const REQUEST_RESET_MFA = graphql(`
  mutation RequestResetMfa($username: String!, $reason: String!) {
    resetMfa(username: $username, reason: $reason) { id username }
  }
`);

/** "Give roles: Supervisor", "Re-enable", "Move to the SO13 desk", "Reset second factor", "Open a partner admin account". */
export function requestText(r: { kind: AccountChangeKind; roles: readonly string[]; desk?: string | null }): string {
  switch (r.kind) {
    case 'ROLES':
      return `Give roles: ${r.roles.map(humanise).join(', ')}`;
    case 'ENABLE':
      return 'Re-enable';
    case 'MOVE_DESK':
      return `Move to the ${r.desk ?? 'other'} desk`;
    case 'RESET_SECOND_FACTOR':
      return 'Reset second factor';
    case 'PARTNER_ADMIN':
      // The request's username is the partner organisation's name.
      return 'Open a partner admin account';
  }
}

/** The same words inside a sentence: "reset second factor", "move to the SO13 desk" (desk names keep their case). */
export const requestPhrase = (r: Parameters<typeof requestText>[0]) => {
  const text = requestText(r);
  return text.charAt(0).toLowerCase() + text.slice(1);
};

/** The longest reason the server keeps (src/auth/grants.ts MAX_REASON). */
export const MAX_REASON = 200;
