/**
 * Notifications as stored and shown: who is told what happened to which
 * report, never any of the report's content. A notification names the
 * report by id and reference (its recipient holds it, so may read it), the
 * kind of event and the minute it happened.
 */

/** What happened to a report the recipient holds (or was just given), or, for admins, a request waiting for their decision. */
export const NOTIFICATION_KINDS = ['LINK_ADDED', 'FOLLOW_UP', 'PARTNER_ANSWER', 'REASSIGNED', 'SLA_WARNING', 'APPROVAL_NEEDED'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What a notification says: kind, report and minute. APPROVAL_NEEDED names no report (both null): the admin's list of pending requests says the rest. */
export interface Notice {
  kind: NotificationKind;
  reportId: string | null;
  reference: string | null;
  at: Date;
}

/** One notification of one recipient: the slot `<userId>#<seq>` of their inbox (repository.ts). */
export interface NotificationSlot extends Notice {
  _id: string;
  userId: string;
  seq: number;
  /** Hash of the event key: what makes notifying the same event twice a no-op. */
  event: string;
  read: boolean;
}

/** A notification as the API returns it (and as the subscription carries it). */
export interface NotificationView extends Notice {
  id: string;
  read: boolean;
}

/** A held report whose deadline the SLA warning watches (repository.ts, service.ts). */
export interface SlaWatch {
  _id: string;
  userId: string;
  reference: string;
  dueBy: Date;
}

/** History actions (reports' history entries, written by other domains) that tell the holder something. */
export const NOTIFIED_ACTIONS: Readonly<Record<string, NotificationKind>> = {
  follow_up_recorded: 'FOLLOW_UP',
  referral_added: 'FOLLOW_UP',
  partner_answered: 'PARTNER_ANSWER',
  reassigned: 'REASSIGNED',
};
