/**
 * The entity page's one query: a value of a report, by its opaque reference,
 * and the reports filed under it (as many as the server's page holds:
 * ENTITY_PAGE_SIZE in reports/desk/entities.ts, and `crowded` says so when
 * more are filed).
 */
import { graphql } from '../../gql';

export const ENTITY = graphql(`
  query EntityPage($ref: ID!) {
    entity(ref: $ref) {
      kind value fromReportId crowded
      reports {
        edges { node { reportId reference desk status receivedAt categories borough matches } }
        pageInfo { hasNextPage }
        deconfliction { desk message }
        deconflictionComplete
      }
    }
  }
`);
