/**
 * The one XML escape (FetchXML built by the gateway and by the browser client): the five
 * predefined entities, so text is safe in an element or in a single- or double-quoted attribute.
 * HTML reports and digests escape with validator's `escape` instead.
 */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c);
}
