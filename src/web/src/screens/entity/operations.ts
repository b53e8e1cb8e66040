/** The entity page's one query: a value of a report, by its opaque reference, and the reports filed under it. */
import { graphql } from '../../gql';

export const ENTITY = graphql(`
  query EntityPage($ref: ID!) {
    entity(ref: $ref, first: 50) {
      kind value fromReportId
      reports {
        edges { node { reportId reference desk status receivedAt categories borough matches } }
        pageInfo { hasNextPage }
        deconfliction { desk message }
        deconflictionComplete
      }
    }
  }
`);
