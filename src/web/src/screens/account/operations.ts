/** The account operations the console runs: second factor enrolment and status, own password, own sessions. */
import { graphql } from '../../gql';

export const BEGIN_MFA_ENROLMENT = graphql(`
  mutation BeginMfaEnrolment($enrolmentTicket: String) {
    beginMfaEnrolment(enrolmentTicket: $enrolmentTicket) { secret qrSvg }
  }
`);

export const CONFIRM_MFA_ENROLMENT = graphql(`
  mutation ConfirmMfaEnrolment($code: String!, $enrolmentTicket: String) {
    confirmMfaEnrolment(code: $code, enrolmentTicket: $enrolmentTicket) { recoveryCodes }
  }
`);

export const MY_SECOND_FACTOR = graphql(`
  query MySecondFactor {
    mySecondFactor { enrolled required recoveryCodesLeft }
  }
`);

export const CHANGE_PASSWORD = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
  }
`);

export const MY_SESSIONS = graphql(`
  query MySessions {
    mySessions { id createdAt expiresAt current }
  }
`);

export const END_MY_SESSION = graphql(`
  mutation EndMySession($id: ID!) {
    endMySession(id: $id)
  }
`);
