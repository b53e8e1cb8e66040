/**
 * The search screen's GraphQL operations, typed from schema/schema.graphql.
 * A readable hit asks for the report's state only (status, priority,
 * received): the server audits each one as a read; content is read by the
 * report page alone. Reports the viewer may not read are not hits: they come
 * as one deconfliction notice per desk ("a report on desk SO13 matches one
 * of your terms"), whatever the filters.
 */
import { graphql } from '../../gql';

export const SEARCH_REPORTS = graphql(`
  query SearchReports($filter: ReportSearchInput!, $first: Int, $after: String) {
    searchReports(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node { reference desk matches report { id status priority receivedAt } }
      }
      pageInfo { hasNextPage endCursor }
      deconfliction { desk message }
      deconflictionComplete
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
