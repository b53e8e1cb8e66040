/**
 * The link chart's GraphQL operations, typed from schema/schema.graphql by
 * the codegen client preset: the neighbourhood (the server decides what the
 * viewer may see and audits the opening) and the audit record of an export.
 */
import { graphql } from '../../gql';

export const NEIGHBOURHOOD = graphql(`
  query ReportNeighbourhood($id: ID!, $depth: Int) {
    reportNeighbourhood(id: $id, depth: $depth) {
      rootId
      depth
      truncated
      nodes { id kind label reportId reference desk status receivedAt categories depth entityKind }
      edges { id kind source target reasons manual strength }
      timeline { at reportId reference kind status }
    }
  }
`);

export const RECORD_CHART_EXPORT = graphql(`
  mutation RecordChartExport($id: ID!, $depth: Int!) {
    recordChartExport(id: $id, depth: $depth)
  }
`);
