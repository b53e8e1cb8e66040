/** GraphQL operations of the report page's link review (issue 26): an investigator's judgement on links between reports they may both read. */
import { graphql } from '../../gql';

export const PROPOSE_LINK = graphql(`
  mutation ProposeLink($a: ID!, $b: ID!, $reason: String!) {
    proposeLink(a: $a, b: $b, reason: $reason) { id }
  }
`);

export const CONFIRM_LINK = graphql(`
  mutation ConfirmLink($a: ID!, $b: ID!, $reason: String!) {
    confirmLink(a: $a, b: $b, reason: $reason) { id }
  }
`);

export const MARK_LINK_WRONG = graphql(`
  mutation MarkLinkWrong($a: ID!, $b: ID!, $reason: String!) {
    markLinkWrong(a: $a, b: $b, reason: $reason) { id }
  }
`);
