/**
 * Decodes an input file to text without ever replacing a character silently.
 *
 * - A byte-order mark decides: UTF-8 (EF BB BF), UTF-16 LE (FF FE), UTF-16 BE (FE FF).
 * - `--encoding` decides when given (utf-8, utf-16le, utf-16be, windows-1252; latin1 and
 *   iso-8859-1 mean windows-1252, as in every browser).
 * - Otherwise: UTF-16 without a mark is recognised by its zero bytes; text that is not valid UTF-8
 *   within the first 64 KB is read as Windows-1252 (the encoding Excel's "CSV" uses in Western
 *   Europe) and the caller is told so; invalid UTF-8 found later is refused with the byte offset and
 *   a pointer at --encoding, because part of the file has already been read as UTF-8.
 * Invalid bytes in the chosen encoding are refused (fatal decoding), never turned into U+FFFD.
 */
import { createReadStream } from "node:fs";
import { UserError } from "../errors";

export type Encoding = "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";

const ALIASES: Record<string, Encoding> = {
  "utf-8": "utf-8", utf8: "utf-8", "utf-16le": "utf-16le", utf16le: "utf-16le", "utf-16be": "utf-16be", utf16be: "utf-16be",
  "windows-1252": "windows-1252", cp1252: "windows-1252", latin1: "windows-1252", "latin-1": "windows-1252", "iso-8859-1": "windows-1252",
};

/** The option's value as an encoding, or a UserError listing the choices. */
export function parseEncoding(text: string | undefined): Encoding | undefined {
  if (text === undefined) return undefined;
  const e = ALIASES[text.trim().toLowerCase()];
  if (!e) throw new UserError(`--encoding: "${text}" is not supported; use utf-8, utf-16le, utf-16be or windows-1252 (latin1)`);
  return e;
}

const SNIFF_BYTES = 64 * 1024;

function bomOf(b: Uint8Array): { encoding: Encoding; length: number } | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: "utf-8", length: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: "utf-16le", length: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: "utf-16be", length: 2 };
  return null;
}

/** UTF-16 without a BOM: most even (BE) or odd (LE) bytes of ASCII text are zero. */
function sniffUtf16(b: Uint8Array): Encoding | null {
  const n = Math.min(b.length, 4096) & ~1;
  if (n < 4) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenZero++;
    if (b[i + 1] === 0) oddZero++;
  }
  const half = n / 2;
  if (oddZero > half * 0.4 && evenZero < half * 0.05) return "utf-16le";
  if (evenZero > half * 0.4 && oddZero < half * 0.05) return "utf-16be";
  return null;
}

function isUtf8(b: Uint8Array, complete: boolean): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

export interface DecodeOptions {
  encoding?: Encoding;
  /** Raw bytes read so far. */
  onBytes?: (bytes: number) => void;
  /** Told once how the file is being read when it was not UTF-8 (a line for stderr). */
  onNote?: (message: string) => void;
}

/** Decodes `file` chunk by chunk. Throws UserError naming the file and byte offset on bad bytes. */
export async function* decodeFile(file: string, opts: DecodeOptions = {}): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  let chosen: Encoding | null = null;
  let offset = 0;
  let head: Buffer[] = [];
  let headBytes = 0;
  const start = (bytes: Buffer, complete: boolean): string => {
    const bom = bomOf(bytes);
    let skip = 0;
    if (bom && (!opts.encoding || opts.encoding === bom.encoding || (opts.encoding === "utf-8" && bom.encoding === "utf-8"))) {
      chosen = bom.encoding;
      skip = bom.length;
    } else if (opts.encoding) {
      chosen = opts.encoding;
    } else {
      const utf16 = sniffUtf16(bytes);
      if (utf16) {
        chosen = utf16;
        opts.onNote?.(`${file} has no byte-order mark but looks like ${utf16.toUpperCase()}; reading it as such (choose with --encoding)`);
      } else if (isUtf8(bytes, complete)) {
        chosen = "utf-8";
      } else {
        chosen = "windows-1252";
        opts.onNote?.(`${file} is not valid UTF-8; reading it as Windows-1252 (Latin-1), so "M\u00fcller" stays "M\u00fcller". If that is wrong, choose with --encoding`);
      }
    }
    decoder = new TextDecoder(chosen, { fatal: true, ignoreBOM: true });
    return decode(bytes.subarray(skip), !complete, skip);
  };
  const decode = (bytes: Uint8Array, stream: boolean, base = 0): string => {
    try {
      return decoder!.decode(bytes, { stream });
    } catch {
      throw new UserError(
        `${file}: bytes near offset ${offset + base} are not valid ${chosen === "windows-1252" ? "Windows-1252" : chosen!.toUpperCase()}` +
          `${opts.encoding ? "" : " (the first 64 KB were, so the file mixes encodings)"}; nothing was replaced. Convert the file to UTF-8, or choose its encoding with --encoding (utf-8, utf-16le, utf-16be, windows-1252)`,
      );
    }
  };
  try {
    for await (const raw of createReadStream(file)) {
      const chunk = raw as Buffer;
      opts.onBytes?.(offset + headBytes + chunk.length);
      if (!decoder) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes < SNIFF_BYTES) continue;
        const text = start(Buffer.concat(head), false);
        offset += headBytes;
        head = [];
        yield text;
        continue;
      }
      const text = decode(chunk, true);
      offset += chunk.length;
      yield text;
    }
    if (!decoder) {
      const text = start(Buffer.concat(head), true);
      offset += headBytes;
      yield text;
    } else {
      yield decode(new Uint8Array(0), false);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as { code?: string }).code;
    if (code === "ENOENT") throw new UserError(`${file}: file not found`);
    if (code === "EISDIR") throw new UserError(`${file}: is a directory, expected a file`);
    throw err;
  }
}

/** The whole file as text (JSON input). */
export async function readTextFile(file: string, opts: DecodeOptions = {}): Promise<string> {
  let text = "";
  for await (const part of decodeFile(file, opts)) text += part;
  return text;
}
