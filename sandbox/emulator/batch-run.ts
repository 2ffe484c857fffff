/**
 * Runs a `$batch`: at most 1,000 requests (0x8004D24B above), each item through the same
 * dispatcher as a single request; a change set is atomic (the store rolls back on the first failed
 * item, and that item's response stands for the change set); without Prefer:
 * odata.continue-on-error the batch stops at the first failure. `$<Content-ID>` references in URLs
 * and bodies resolve to the entity created earlier in the change set. The multipart wire format is
 * batch.ts.
 */
import { parseBatch, writeBatchResponse, type BatchItem, type ItemResponse, type ResponsePart } from "./batch";
import { CODES, ODataError, badQuery } from "./errors";
import { parsePrefer } from "./format";
import type { Emulator, Req, Res, UserEntry } from "./context";

const BATCH_LIMIT = 1000;

export function runBatch(em: Emulator, r: Req, p: UserEntry): Res {
  em.count("batch");
  const parts = parseBatch(r.body, r.headers["content-type"]);
  const total = parts.reduce((n, x) => n + (x.kind === "request" ? 1 : x.items.length), 0);
  for (const x of parts) {
    if (x.kind === "changeset" && x.items.length > BATCH_LIMIT) {
      throw new ODataError(400, CODES.batchLimit, `The current change set contains too many operations. A maximum number of '${BATCH_LIMIT}' operations are allowed in a change set.`);
    }
  }
  if (total > BATCH_LIMIT) {
    throw new ODataError(400, CODES.batchLimit, `The current batch message contains too many parts. Only batch messages with a maximum number of '${BATCH_LIMIT}' query operations, including changeset operations, are allowed.`);
  }
  em.stats.batchItems += total;
  const continueOnError = parsePrefer(r.headers.prefer).continueOnError;
  const out: ResponsePart[] = [];
  const run = (item: BatchItem, ids: Map<string, string>): ItemResponse => {
    let url = item.url;
    if (url.startsWith("$")) {
      const ref = /^\$(\w+)(.*)$/.exec(url);
      const target = ref ? ids.get(ref[1]) : undefined;
      if (!ref || !target) return { status: 400, headers: { "Content-Type": "application/json; odata.metadata=minimal" }, body: JSON.stringify(badQuery(`The Content-ID reference '${url}' does not name an earlier request of this change set.`).body()), contentId: item.contentId };
      url = target + ref[2];
    }
    let body = item.body;
    for (const [cid, entity] of ids) body = body.split(`"$${cid}"`).join(JSON.stringify(entity));
    const u = new URL(url, r.base);
    const m = /\/api\/data\/(v9\.[0-2])\/?(.*)$/.exec(u.pathname);
    const inner: Req = {
      method: item.method, path: decodeURIComponent(m ? m[2] : u.pathname.replace(/^\//, "")), query: u.searchParams,
      headers: { ...item.headers, prefer: item.headers.prefer ?? "" }, body, base: r.base,
    };
    const res = em.dispatch(inner, p, false);
    if (item.contentId && res.headers["OData-EntityId"]) ids.set(item.contentId, res.headers["OData-EntityId"]);
    const headers: Record<string, string> = { "OData-Version": "4.0", ...res.headers };
    let text = res.text ?? "";
    if (res.body !== undefined) {
      headers["Content-Type"] = "application/json; odata.metadata=minimal";
      text = JSON.stringify(res.body);
    }
    return { status: res.status, headers, body: text, contentId: item.contentId };
  };
  for (const part of parts) {
    if (part.kind === "request") {
      const res = run(part.item, new Map());
      out.push({ kind: "single", response: res });
      if (res.status >= 400 && !continueOnError) break;
      continue;
    }
    const ids = new Map<string, string>();
    const responses: ItemResponse[] = [];
    em.store.begin();
    let failed: ItemResponse | null = null;
    for (const item of part.items) {
      const res = run(item, ids);
      if (res.status >= 400) {
        failed = res;
        break;
      }
      responses.push(res);
    }
    if (failed) {
      em.store.rollback();
      em.stats.rowsWritten -= responses.length;
      out.push({ kind: "single", response: failed });
      if (!continueOnError) break;
    } else {
      em.store.commit();
      out.push({ kind: "changeset", responses });
    }
  }
  const w = writeBatchResponse(out);
  return { status: 200, headers: { "Content-Type": w.contentType, "OData-Version": "4.0" }, text: w.body };
}
