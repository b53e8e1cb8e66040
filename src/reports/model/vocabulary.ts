/**
 * The closed lists a report is described by (channels, categories, boroughs,
 * statuses, priorities, sources), with no imports: the configuration, the
 * routing rules, the GraphQL enums and the console all read them from here.
 * The model (types.ts) re-exports them beside the stored shapes.
 */
export const INTAKE_CHANNELS = [
  'ANTI_TERRORIST_HOTLINE',
  'COMMUNITIES_TOGETHER_LINE',
  'ONLINE',
  'CRIMESTOPPERS',
  'SAFER_NEIGHBOURHOOD_TEAM',
  'PARTNER_ORGANISATION',
] as const;
export type IntakeChannel = (typeof INTAKE_CHANNELS)[number];

export const THREAT_CATEGORIES = [
  'RECRUITMENT_OR_BEHAVIOUR_CHANGE',
  'ACCOMMODATION',
  'TRANSPORT',
  'STORAGE',
  'FINANCE',
  'HOSTILE_RECONNAISSANCE',
  'SUSPICIOUS_ITEM',
  'EXTREMIST_MATERIAL',
  'ONLINE_ACTIVITY',
  'TRAVEL',
  'OTHER',
] as const;
export type ThreatCategory = (typeof THREAT_CATEGORIES)[number];

export const BOROUGHS = [
  'BARKING_AND_DAGENHAM', 'BARNET', 'BEXLEY', 'BRENT', 'BROMLEY', 'CAMDEN', 'CROYDON', 'EALING', 'ENFIELD',
  'GREENWICH', 'HACKNEY', 'HAMMERSMITH_AND_FULHAM', 'HARINGEY', 'HARROW', 'HAVERING', 'HILLINGDON', 'HOUNSLOW',
  'ISLINGTON', 'KENSINGTON_AND_CHELSEA', 'KINGSTON_UPON_THAMES', 'LAMBETH', 'LEWISHAM', 'MERTON', 'NEWHAM',
  'REDBRIDGE', 'RICHMOND_UPON_THAMES', 'SOUTHWARK', 'SUTTON', 'TOWER_HAMLETS', 'WALTHAM_FOREST', 'WANDSWORTH',
  'WESTMINSTER', 'CITY_OF_LONDON', 'OUTSIDE_LONDON', 'UNKNOWN',
] as const;
export type Borough = (typeof BOROUGHS)[number];

export const REPORT_STATUSES = [
  'RECEIVED',
  'TRIAGE_FAILED',
  'TRIAGED',
  'ASSIGNED',
  'UNDER_RESEARCH',
  'ACTIONED',
  'REFERRED',
  'NO_FURTHER_ACTION',
  'CLOSED',
  'ERASED',
] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Where a report came from: a call to the hotline or a partner organisation's referral. */
export const REPORT_SOURCES = ['HOTLINE_CALL', 'PARTNER_REFERRAL'] as const;
export type ReportSource = (typeof REPORT_SOURCES)[number];
