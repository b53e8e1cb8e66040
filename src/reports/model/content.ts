/**
 * The sensitive part of a report, in plaintext, as the service layer sees it.
 * This shape never reaches MongoDB as is: the repository turns it into
 * envelopes with `src/crypto/report-codec.ts`, whose field list is the
 * data-protection contract.
 */
import type { ReportSource } from './vocabulary.js';
export interface CallerContent {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  address?: string | null;
  preferredContactTimes?: string | null;
  /** The language the call was in, when not English; not an identity (see intake/service.ts `anonymous`). */
  language?: string | null;
  /** The interpreter used (service and interpreter id), if any. */
  interpreter?: string | null;
  /** Safe-to-contact notes: who may answer, when not to ring. */
  safeContact?: string | null;
  /** Whether a message may be left: 'YES' or 'NO' (a string, so it is sealed like the rest). */
  leaveMessage?: 'YES' | 'NO' | null;
}

/**
 * What the call handler noted while taking the call, beside the narrative:
 * the 999 hand-off and the answers to the question prompts the investigator
 * grades from. Strings only, so every leaf is sealed (encrypted-fields.ts).
 */
export interface CallNotesContent {
  /** When the call was passed to 999 (ISO 8601); absent when it was not. */
  emergencyHandOffAt?: string | null;
  /** The 999 / CAD reference the emergency service gave. */
  emergencyReference?: string | null;
  dangerNow?: string | null;
  where?: string | null;
  when?: string | null;
  who?: string | null;
  vehicles?: string | null;
  weapons?: string | null;
  /** "How does the caller know this?" */
  howKnown?: string | null;
}

export interface SubjectContent {
  name?: string | null;
  aliases?: string[] | null;
  dateOfBirth?: string | null;
  approximateAge?: string | null;
  description?: string | null;
  address?: string | null;
  phone?: string | null;
}

export interface VehicleContent {
  registration?: string | null;
  make?: string | null;
  model?: string | null;
  colour?: string | null;
  notes?: string | null;
}

export interface LocationContent {
  address?: string | null;
  postcode?: string | null;
  description?: string | null;
}

export interface ResearchNoteContent {
  /** Not secret: lets a note be addressed without decrypting it. */
  id: string;
  text: string;
}

/**
 * A later account appended to a report (reports/desk/follow-ups.ts): a caller's
 * follow-up call or a partner's addition to its referral. `id`, `at`,
 * `source` and `fingerprint` are plaintext (encrypted-fields.ts says why).
 */
export interface AddendumContent {
  id: string;
  at: Date;
  source: ReportSource;
  /** Keyed hash of the submitted input: tells a retry from a different follow-up under the same key. */
  fingerprint: string;
  narrative: string;
  subjects: SubjectContent[];
  vehicles: VehicleContent[];
  locations: LocationContent[];
}

/** A question an investigator put to the partner of a referral (the anonymous channel). */
export interface QuestionContent {
  id: string;
  at: Date;
  text: string;
}

/** The partner's answer to the question with the same `id`. */
export interface AnswerContent {
  id: string;
  at: Date;
  text: string;
}

export interface ReportContent {
  narrative: string;
  caller?: CallerContent | null;
  subjects: SubjectContent[];
  vehicles: VehicleContent[];
  locations: LocationContent[];
  partnerReference?: string | null;
  researchNotes: ResearchNoteContent[];
  /** Absent on reports that never had one (optional groups: report-codec.ts). */
  addenda?: AddendumContent[];
  questions?: QuestionContent[];
  answers?: AnswerContent[];
  /** The call handler's notes (hotline calls only; absent on older reports and referrals). */
  callNotes?: CallNotesContent | null;
}
