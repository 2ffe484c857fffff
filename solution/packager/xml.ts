import { create } from "xmlbuilder2";
import type { XMLBuilder } from "xmlbuilder2/lib/interfaces";

export type Node = XMLBuilder;
export type Attrs = Record<string, string | number | boolean | undefined>;

/** A new document whose root element is `root`. */
export function document(root: string, attrs: Attrs = {}): Node {
  return create({ version: "1.0", encoding: "utf-8" }).ele(root, clean(attrs));
}

function clean(attrs: Attrs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = typeof v === "boolean" ? (v ? "true" : "false") : String(v);
  return out;
}

/** Appends `<name attrs>text</name>` (or an empty element) to `parent` and returns the new element. */
export function el(parent: Node, name: string, text?: string | number, attrs: Attrs = {}): Node {
  const node = parent.ele(name, clean(attrs));
  if (text !== undefined && text !== "") node.txt(String(text));
  return node;
}

/** 1/0 as Dataverse customization files write booleans. */
export function bit(value: boolean): string {
  return value ? "1" : "0";
}

/** Serialises the whole document: UTF-8, LF line ends, two-space indent, no trailing spaces. */
export function serialize(node: Node): string {
  return `${node.doc().end({ prettyPrint: true, indent: "  ", newline: "\n" })}\n`;
}
