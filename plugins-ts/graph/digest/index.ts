/** The CRM Vitals digests: collect from Dataverse, render for Outlook, send through Microsoft Graph. */
export { collectDigest, normaliseOrgUrl, recordLink, type CollectOptions } from "./collect";
export {
  DIGEST_RECIPIENTS_VARIABLE,
  GRAPH_INTEGRATION_VARIABLE,
  OWNERS_KEYWORD,
  isYes,
  parseDigestRecipients,
  readDigestSettings,
  type DigestRecipients,
  type DigestSettings,
} from "./recipients";
export { DEFAULT_DIGEST_STRINGS, formatChange, renderGovernanceDigest, renderOwnerDigest, type DigestStrings, type OwnerDigestInput } from "./render";
export { DigestSendError, sendDigests, type SendDigestsOptions, type SendProgress } from "./send";
export type * from "./types";
