/** GraphQL operations of the report page's corrections panel: supervisor corrections, dissemination and the signed bundle. */
import { graphql } from '../../gql';

export const CHANGE_PRIORITY = graphql(`
  mutation ChangeReportPriority($id: ID!, $priority: Priority!, $reason: String!) {
    changeReportPriority(id: $id, priority: $priority, reason: $reason) { id priority }
  }
`);

export const CHANGE_CATEGORIES = graphql(`
  mutation ChangeReportCategories($id: ID!, $categories: [ThreatCategory!]!, $reason: String!) {
    changeReportCategories(id: $id, categories: $categories, reason: $reason) { id categories }
  }
`);

export const FIND_BY_REFERENCE = graphql(`
  query ReportIdByReference($reference: String!) {
    reportByReference(reference: $reference) { id }
  }
`);

export const LINK_REPORTS = graphql(`
  mutation LinkReports($a: ID!, $b: ID!, $reason: String!) {
    linkReports(a: $a, b: $b, reason: $reason) { id }
  }
`);

export const UNLINK_REPORTS = graphql(`
  mutation UnlinkReports($a: ID!, $b: ID!, $reason: String!) {
    unlinkReports(a: $a, b: $b, reason: $reason) { id }
  }
`);

export const DISSEMINATE = graphql(`
  mutation DisseminateReport($id: ID!, $to: RecipientKind!, $recipient: String!, $reason: String!, $override: Boolean) {
    disseminateReport(id: $id, to: $to, recipient: $recipient, reason: $reason, override: $override) { id }
  }
`);

export const EXPORT_BUNDLE = graphql(`
  mutation ExportReportBundle($id: ID!) {
    exportReportBundle(id: $id) { reference keyId json }
  }
`);
