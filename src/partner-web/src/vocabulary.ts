/** The closed lists the form offers, from the server's own vocabulary (their words are in locales/). */
export { BOROUGHS, THREAT_CATEGORIES as CATEGORIES } from '../../reports/model/vocabulary.js';

/** The actions the server names (PartnerActivityAction); each has its words in locales/ as activity.action.<NAME>. */
export const ACTIVITY_ACTIONS = [
  'ACCOUNT_APPROVED',
  'ADDED_INFORMATION',
  'ANSWERED',
  'CASEWORKER_ADDED',
  'CASEWORKER_REMOVED',
  'CASEWORKER_RESET',
  'PASSED_ON',
  'PASSWORD_CHOSEN',
  'SECOND_FACTOR_SET',
  'SIGNED_IN',
  'SIGNED_OUT',
] as const;
