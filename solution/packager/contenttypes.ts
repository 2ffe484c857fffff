import { extensionOf } from "./webresourcetypes";
import { document, el, serialize } from "./xml";

/**
 * [Content_Types].xml of the Open Packaging Conventions: one Default per file extension in the zip
 * (application/octet-stream, as Dataverse exports write it) and an Override for any file without one.
 */
export function buildContentTypesXml(zipPaths: string[]): string {
  const root = document("Types", { xmlns: "http://schemas.openxmlformats.org/package/2006/content-types" });
  const extensions = new Set<string>();
  const bare: string[] = [];
  for (const p of zipPaths) {
    const ext = extensionOf(p);
    if (ext) extensions.add(ext);
    else bare.push(p);
  }
  for (const ext of [...extensions].sort()) el(root, "Default", undefined, { Extension: ext, ContentType: "application/octet-stream" });
  for (const p of bare.sort()) el(root, "Override", undefined, { PartName: `/${p}`, ContentType: "application/octet-stream" });
  return serialize(root);
}
