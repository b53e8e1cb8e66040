/**
 * The search screen's GraphQL operations, typed from schema/schema.graphql.
 * A readable hit asks for the report's state only (status, priority,
 * received): the server audits each one as a read; content is read by the
 * report page alone. Unreadable hits carry their reference and desk only.
 */
import { graphql } from '../../gql';

export const SEARCH_REPORTS = graphql(`
  query SearchReports($filter: ReportSearchInput!, $first: Int, $after: String) {
    searchReports(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node { reference desk readable matches report { id status priority receivedAt } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const OPEN_BY_REFERENCE = graphql(`
  query OpenReportByReference($reference: String!) {
    reportByReference(reference: $reference) { id reference }
  }
`);

export const MY_REPORTS = graphql(`
  query MyReports {
    myReports { id reference status priority desk receivedAt dueBy }
  }
`);
