/**
 * The sensitive part of a report, in plaintext, as the service layer sees it.
 * This shape never reaches MongoDB as is: the repository turns it into
 * envelopes with `src/crypto/report-codec.ts`, whose field list is the
 * data-protection contract.
 */
export interface CallerContent {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  address?: string | null;
  preferredContactTimes?: string | null;
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

export interface ReportContent {
  narrative: string;
  caller?: CallerContent | null;
  subjects: SubjectContent[];
  vehicles: VehicleContent[];
  locations: LocationContent[];
  partnerReference?: string | null;
  researchNotes: ResearchNoteContent[];
}
