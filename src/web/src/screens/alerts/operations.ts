/** The urgent-alert operations the console uses (typed by GraphQL Code Generator). */
import { graphql } from '../../gql';

export const URGENT_ALERTS = graphql(`
  query UrgentAlerts { urgentAlerts { reportId reference desk priority escalated receivedAt } }
`);

export const URGENT_ALERT_CHANGED = graphql(`
  subscription UrgentAlertChanged {
    urgentAlertChanged { reportId desk kind at alert { reportId reference desk priority escalated receivedAt } }
  }
`);
