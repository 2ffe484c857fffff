/**
 * The data a Microsoft Graph stand-in serves: demo mailboxes shaped like Graph's own resources
 * (message, event), so the client code reads them exactly as it would read Exchange Online.
 */

/** Graph `emailAddress`. */
export interface GraphEmailAddress {
  name: string;
  address: string;
}

/** Graph `recipient`. */
export interface GraphRecipient {
  emailAddress: GraphEmailAddress;
}

/** A Graph `message` (only the properties the stand-in serves; bodies are there to prove they are never asked for). */
export interface StandInMessage {
  id: string;
  /** RFC 5322 Message-ID header, e.g. `<abc123@contoso.com>`; the same in every mailbox holding the message. */
  internetMessageId: string;
  subject: string;
  /** ISO-8601 UTC, `2026-11-20T09:15:00Z`. */
  sentDateTime: string;
  receivedDateTime: string;
  from: GraphRecipient;
  toRecipients: GraphRecipient[];
  ccRecipients: GraphRecipient[];
  isDraft: boolean;
  conversationId: string;
  /** Folder the copy sits in (the stand-in's simplification of parentFolderId). */
  folder: "inbox" | "sentitems" | "drafts";
  body: { contentType: "text" | "html"; content: string };
  bodyPreview: string;
}

/** Graph `dateTimeTimeZone`; the stand-in always uses UTC. */
export interface GraphDateTimeTimeZone {
  /** `2026-11-20T09:00:00.0000000` (no offset, as Graph returns it). */
  dateTime: string;
  timeZone: "UTC";
}

export interface GraphAttendee {
  emailAddress: GraphEmailAddress;
  type: "required" | "optional" | "resource";
  status: { response: "none" | "organizer" | "tentativelyAccepted" | "accepted" | "declined" | "notResponded"; time: string };
}

/** A Graph `event` as calendarView returns it (single instances and occurrences). */
export interface StandInEvent {
  id: string;
  /** Unique per occurrence across calendars (Graph: "different for each occurrence in a recurring series"). */
  iCalUId: string;
  subject: string;
  start: GraphDateTimeTimeZone;
  end: GraphDateTimeTimeZone;
  organizer: GraphRecipient;
  attendees: GraphAttendee[];
  isCancelled: boolean;
  isAllDay: boolean;
  showAs: "free" | "tentative" | "busy" | "oof" | "workingElsewhere" | "unknown";
  type: "singleInstance" | "occurrence" | "exception" | "seriesMaster";
  location: { displayName: string };
  body: { contentType: "text" | "html"; content: string };
  bodyPreview: string;
}

/** One user's mailbox. */
export interface StandInMailbox {
  /** Entra object id (GUID); `systemuser.azureactivedirectoryobjectid` in Dataverse. */
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail: string;
  /** False: the user has no Exchange Online mailbox (Graph answers `MailboxNotEnabledForRESTAPI`). */
  mailboxEnabled: boolean;
  messages: StandInMessage[];
  events: StandInEvent[];
}
