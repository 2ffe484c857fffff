/**
 * The Dataverse `mailbox` table, as far as server-side synchronisation reports on it: the delivery
 * methods and statuses of incoming email, outgoing email and appointments/contacts/tasks, the email
 * address approval, the test-and-enable outcome and the last sync error. Columns, types and option
 * values follow Microsoft's Web API reference (mailbox EntityType); the many internal columns
 * (EWS URL, folder hierarchy, performance counters) are left out. Kept in its own file so the
 * schema's table list takes it with one line.
 */
import type { ColumnDef, TableDef } from "./schema";

const NOT_RUN_SUCCESS_FAILURE = { 0: "Not Run", 1: "Success", 2: "Failure" };
const YES_NO = { 0: "No", 1: "Yes" };

const c = (name: string, type: ColumnDef["type"], label: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type, label, ...extra });

export const MAILBOX_TABLE: TableDef = {
  logicalName: "mailbox",
  schemaName: "Mailbox",
  entitySetName: "mailboxes",
  displayName: "Mailbox",
  primaryId: "mailboxid",
  primaryName: "name",
  ownership: "UserOwned",
  objectTypeCode: 9606,
  alternateKeys: [],
  changeTracking: true,
  columns: [
    c("mailboxid", "uniqueidentifier", "Mailbox", { requiredLevel: "SystemRequired" }),
    c("name", "string", "Name", { maxLength: 100 }),
    c("emailaddress", "string", "Email Address", { maxLength: 100 }),
    c("regardingobjectid", "lookup", "Regarding", { targets: ["systemuser"], readOnly: true }),
    c("incomingemaildeliverymethod", "picklist", "Incoming Email", { options: { 0: "None", 1: "Microsoft Dynamics 365 for Outlook", 2: "Server-Side Synchronization or Email Router", 3: "Forward Mailbox" } }),
    c("outgoingemaildeliverymethod", "picklist", "Outgoing Email", { options: { 0: "None", 1: "Microsoft Dynamics 365 for Outlook", 2: "Server-Side Synchronization or Email Router" } }),
    c("actdeliverymethod", "picklist", "Appointments, Contacts, and Tasks", { options: { 0: "Microsoft Dynamics 365 for Outlook", 1: "Server-Side Synchronization", 2: "None" } }),
    c("incomingemailstatus", "picklist", "Incoming Email Status", { options: NOT_RUN_SUCCESS_FAILURE, readOnly: true }),
    c("outgoingemailstatus", "picklist", "Outgoing Email Status", { options: NOT_RUN_SUCCESS_FAILURE, readOnly: true }),
    c("actstatus", "picklist", "Appointments, Contacts, and Tasks Status", { options: NOT_RUN_SUCCESS_FAILURE, readOnly: true }),
    c("mailboxstatus", "picklist", "Mailbox Status", { options: NOT_RUN_SUCCESS_FAILURE, readOnly: true }),
    c("emailrouteraccessapproval", "picklist", "Email Address Status", { options: { 0: "Empty", 1: "Approved", 2: "Pending Approval", 3: "Rejected" } }),
    c("enabledforincomingemail", "boolean", "Enabled For Incoming Email", { options: YES_NO }),
    c("enabledforoutgoingemail", "boolean", "Enabled For Outgoing Email", { options: YES_NO }),
    c("enabledforact", "boolean", "Enabled For Appointments, Contacts, And Tasks", { options: YES_NO }),
    c("testemailconfigurationscheduled", "boolean", "Test Email Configuration Scheduled", { options: YES_NO }),
    c("testemailconfigurationretrycount", "integer", "Test Email Configuration Retry Count"),
    c("testmailboxaccesscompletedon", "datetime", "Mailbox Test Completed On"),
    c("lastsuccessfulsynccompletedon", "datetime", "Last Successful Sync Time", { readOnly: true }),
    c("lastsyncerror", "memo", "Last Sync Error Stack", { maxLength: 1048576 }),
    c("lastsyncerrorcode", "integer", "Last Sync Error Code"),
    c("lastsyncerrorcount", "integer", "Last Sync Error Continuous Count"),
    c("lastsyncerroroccurredon", "datetime", "Last Sync Error Time"),
    c("statecode", "state", "Status", { options: { 0: "Active", 1: "Inactive" }, requiredLevel: "SystemRequired" }),
    c("statuscode", "status", "Status Reason", { options: { 1: "Active", 2: "Inactive" } }),
    c("ownerid", "owner", "Owner", { targets: ["systemuser", "team"], requiredLevel: "SystemRequired" }),
    c("owningbusinessunit", "lookup", "Owning Business Unit", { targets: ["businessunit"], readOnly: true }),
    c("owninguser", "lookup", "Owning User", { targets: ["systemuser"], readOnly: true }),
    c("owningteam", "lookup", "Owning Team", { targets: ["team"], readOnly: true }),
    c("createdon", "datetime", "Created On", { readOnly: true }),
    c("modifiedon", "datetime", "Modified On", { readOnly: true }),
    c("versionnumber", "bigint", "Version Number", { readOnly: true }),
  ],
};
