/**
 * The desk's GraphQL operations (queue, claim, the report and every action
 * on it), typed from schema/schema.graphql by the codegen client preset.
 * The queue asks for state only; content is asked for only by the report
 * page, whose every read the server audits.
 */
import { graphql } from '../../gql';

export const DESK_QUEUE = graphql(`
  query DeskQueue($desk: Desk!, $first: Int, $after: String) {
    deskQueue(desk: $desk, first: $first, after: $after) {
      edges {
        cursor
        node { id reference priority status receivedAt dueBy categories borough escalated imminentThreat links { reportId } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const DESK_QUEUE_CHANGED = graphql(`
  subscription DeskQueueChanged($desk: Desk!) {
    deskQueueChanged(desk: $desk) { desk reportId kind at }
  }
`);

export const CLAIM_NEXT = graphql(`
  mutation ClaimNextReport($desk: Desk!) {
    claimNextReport(desk: $desk) { id reference }
  }
`);

export const CLAIM = graphql(`
  mutation ClaimReport($id: ID!) {
    claimReport(id: $id) { id reference }
  }
`);

/** Before claiming: state, categories and counts only; the server decrypts nothing for it and audits no read. */
export const REPORT_PREVIEW = graphql(`
  query ReportPreview($id: ID!) {
    reportPreview(id: $id) {
      subjectCount vehicleCount
      report { id reference status priority desk assignee receivedAt dueBy categories borough escalated imminentThreat channel links { reportId } }
    }
  }
`);

export const REPORT = graphql(`
  query DeskReport($id: ID!) {
    report(id: $id) {
      id reference status priority desk assignee assigneeName outcome version escalated anonymous imminentThreat urgentAction
      source channel categories borough receivedAt recordedAt dueBy callerMayRecontact callerDetailsRecorded partnerReference
      callNotes { emergencyHandOff { at reference } dangerNow where when who vehicles weapons howKnown }
      triageReasons linkWarnings
      narrative
      subjects { name aliases dateOfBirth approximateAge description address phone }
      vehicles { registration make model colour notes }
      locations { address postcode description }
      researchNotes { id text }
      addenda { id at source narrative subjects { name } vehicles { registration } locations { postcode } }
      questions { id text askedAt answer answeredAt }
      attachments { id kind type size createdAt sha256 }
      links { reportId reference desk reasons readable manual strength linkedBy sharedValues { kind value theirs } }
      entities { kind value ref }
      disseminations { id to recipient grading override at byName reason }
      grading { source intelligence handling gradedBy gradedAt }
      nextSteps { to reasonRequired outcomeRequired }
      availableActions
      history { seq at action actorLabel description reason }
    }
  }
`);

export const VERIFY_HISTORY = graphql(`
  query VerifyReportHistory($id: ID!) {
    verifyReportHistory(id: $id) { valid length brokenAt }
  }
`);

export const ADD_NOTE = graphql(`
  mutation AddResearchNote($id: ID!, $text: String!) {
    addResearchNote(id: $id, text: $text) { id version }
  }
`);

export const GRADE = graphql(`
  mutation GradeReport($id: ID!, $source: SourceEvaluation!, $intelligence: IntelligenceAssessment!, $handling: HandlingCode!) {
    gradeReport(id: $id, source: $source, intelligence: $intelligence, handling: $handling) { id version }
  }
`);

export const TRANSITION = graphql(`
  mutation TransitionReport($id: ID!, $to: ReportStatus!, $reason: String!, $expectedVersion: Int!, $outcome: CloseOutcome) {
    transitionReport(id: $id, to: $to, reason: $reason, expectedVersion: $expectedVersion, outcome: $outcome) { id status version }
  }
`);

export const REFER = graphql(`
  mutation ReferReport($id: ID!, $toDesk: Desk!, $reason: String!) {
    referReport(id: $id, toDesk: $toDesk, reason: $reason) { id status desk }
  }
`);

export const RELEASE = graphql(`
  mutation ReleaseReport($id: ID!, $reason: String!) {
    releaseReport(id: $id, reason: $reason) { id status }
  }
`);

export const REVEAL_CALLER = graphql(`
  mutation RevealCaller($reportId: ID!, $reason: String!) {
    revealCaller(reportId: $reportId, reason: $reason) { name phone email address mayRecontact preferredContactTimes language interpreter safeContact mayLeaveMessage }
  }
`);
