import { unzipSync, zipSync, type Zippable } from "fflate";

export interface ZipEntry {
  path: string;
  bytes: Uint8Array;
}

/**
 * Every entry carries this timestamp, so the same content always gives the same bytes. It is built
 * from local date parts because zip (DOS) timestamps have no time zone and fflate reads local parts:
 * the stored fields are 2000-01-01 00:00:00 on every machine.
 */
const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);

/** A deflated zip with the entries in exactly the given order. */
export function writeZip(entries: ZipEntry[]): Uint8Array {
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.path.includes("\\") || e.path.startsWith("/")) throw new Error(`zip entry "${e.path}": names use forward slashes and are relative`);
    if (seen.has(e.path.toLowerCase())) throw new Error(`zip entry "${e.path}" appears twice`);
    seen.add(e.path.toLowerCase());
  }
  // zipSync stores sizes in the local headers (no data descriptors), as Dataverse exports do. It
  // writes entries in the key order of the object, which is insertion order for non-numeric keys.
  const files: Zippable = {};
  for (const e of entries) {
    if (/^\d+$/.test(e.path)) throw new Error(`zip entry "${e.path}": a purely numeric name would break the entry order`);
    files[e.path] = [e.bytes, { level: 9, mtime: FIXED_MTIME }];
  }
  return zipSync(files);
}

/** The entries of a zip, in the order they are stored. */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const files = unzipSync(bytes);
  return Object.keys(files).map((path) => ({ path, bytes: files[path] }));
}
