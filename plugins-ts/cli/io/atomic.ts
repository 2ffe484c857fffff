/**
 * Files are written whole or not at all: every file the product writes goes to a temporary file
 * beside the target (same folder, so the rename cannot cross file systems), is flushed to disk, and
 * is renamed over the target only when everything was written. On any failure the temporary file
 * is removed, the previous file at the target (if any) is untouched, and the error's message says
 * so. Readers never see a half-written file, because rename replaces a file in one step.
 */
import { createWriteStream, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, promises as fs, type WriteStream } from "node:fs";
import { once } from "node:events";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

/** Waits for an event of the stream; rejects with the stream's error instead (once() does both). */
async function untilOrError(out: WriteStream, event: "finish" | "drain"): Promise<void> {
  await once(out, event);
}

/** `.<name>.<pid>.<random>.tmp` beside the target. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Adds "… was not changed" to an error's message (keeps its class, so UserErrors stay user errors). */
export function notChanged(err: unknown, target: string): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  if (!e.message.includes("was not changed")) e.message = `${e.message} (nothing was written: ${target} was not changed)`;
  return e;
}

export interface AtomicFile {
  /** The temporary file's stream: write to it like any stream. */
  readonly out: WriteStream;
  /** Ends the stream, flushes it to disk and renames it over the target. */
  commit(): Promise<void>;
  /** Removes the temporary file; the target stays as it was. Safe to call more than once. */
  abort(): Promise<void>;
}

/** Opens a temporary file beside `target`; nothing appears at `target` until `commit()`. */
export function openAtomic(target: string): AtomicFile {
  const temp = tempPathFor(target);
  const out = createWriteStream(temp, { flags: "wx" });
  let failure: Error | null = null;
  out.on("error", (e) => {
    failure = e;
  });
  let done = false;
  return {
    out,
    async commit() {
      if (failure) throw failure;
      out.end();
      await untilOrError(out, "finish");
      const fh = await fs.open(temp, "r+");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(temp, target);
      done = true;
    },
    async abort() {
      if (done) return;
      done = true;
      out.destroy();
      await fs.rm(temp, { force: true });
    },
  };
}

/** Writes through `produce` with backpressure, then renames over `target`; on failure the target is untouched. */
export async function writeStreamAtomic(target: string, produce: (write: (chunk: string | Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  const file = openAtomic(target);
  try {
    await produce(async (chunk) => {
      if (!file.out.write(chunk)) await untilOrError(file.out, "drain");
    });
    await file.commit();
  } catch (err) {
    await file.abort();
    throw notChanged(err, target);
  }
}

/** The whole content at once. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await writeStreamAtomic(target, (write) => write(data));
}

/** The same, for synchronous callers (the packager, the emulator's ground truth). */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const temp = tempPathFor(target);
  try {
    const fd = openSync(temp, "wx");
    try {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw notChanged(err, target);
  }
}
