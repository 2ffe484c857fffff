/** Dataverse web resource types (WebResourceType) by file extension. */
const TYPES: Readonly<Record<string, { code: number; label: string }>> = {
  htm: { code: 1, label: "Webpage (HTML)" },
  html: { code: 1, label: "Webpage (HTML)" },
  css: { code: 2, label: "Style Sheet (CSS)" },
  js: { code: 3, label: "Script (JScript)" },
  xml: { code: 4, label: "Data (XML)" },
  png: { code: 5, label: "PNG format" },
  jpg: { code: 6, label: "JPG format" },
  jpeg: { code: 6, label: "JPG format" },
  gif: { code: 7, label: "GIF format" },
  xap: { code: 8, label: "Silverlight (XAP)" },
  xsl: { code: 9, label: "Style Sheet (XSL)" },
  xslt: { code: 9, label: "Style Sheet (XSL)" },
  ico: { code: 10, label: "ICO format" },
  svg: { code: 11, label: "Vector format (SVG)" },
  resx: { code: 12, label: "String (RESX)" },
};

export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot < 0 ? "" : base.slice(dot + 1).toLowerCase();
}

/** WebResourceType code of a file name, or undefined when Dataverse has no web resource type for it. */
export function webResourceTypeOf(name: string): number | undefined {
  return TYPES[extensionOf(name)]?.code;
}

export function webResourceTypeLabel(code: number): string {
  return Object.values(TYPES).find((t) => t.code === code)?.label ?? `type ${code}`;
}

export const WEB_RESOURCE_EXTENSIONS = Object.keys(TYPES);
