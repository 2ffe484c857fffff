/**
 * Writes to one audit's vit_auditrun row, each with `If-Match` on the version the previous write
 * left (never `*`): the row's checkpoint and counters are this process's alone while it runs, so a
 * write that finds the row changed means another process (a second runner, or someone resuming the
 * run by hand) took the run over. That process's state wins; this one stops.
 *
 * A 412 whose row holds exactly what this write sent is this write seen twice (a retry after a
 * dropped connection) and is taken as done (../dataverse/ownwrite.ts).
 *
 * Failure modes: another 412 throws RunRowChangedError naming the run; any other failed write throws the
 * platform's error; a row whose version is not known yet (its create was repeated after a dropped
 * connection) is read once for it.
 */
import { etagOf, type DataverseGateway, type Row, type Upserts, type WriteOutcome } from "../dataverse/gateway";
import { updateIfUnchanged, updateIfUnchangedThen } from "../dataverse/ownwrite";

/** The run row changed since this process last wrote it. */
export class RunRowChangedError extends Error {
  constructor(readonly runId: string) {
    super(`audit run ${runId} was changed by someone else since this process last saved it (another process resumed it?); this process stops and leaves the run as the other one saved it`);
    this.name = "RunRowChangedError";
  }
}

export class RunRowWriter {
  constructor(
    private readonly gateway: DataverseGateway,
    readonly runId: string,
    private etag: string | null,
  ) {}

  /** The row's version after this process's last write (null until known). */
  get version(): string | null {
    return this.etag;
  }

  /** Updates the row if it is still at the version this process last saw; remembers the new one. */
  async write(patch: Row): Promise<void> {
    const expected = this.etag ?? (await this.currentVersion());
    const out = await updateIfUnchanged(this.gateway, "vit_auditrun", "vit_auditrunid", this.runId, patch, expected);
    if (!out.written) throw new RunRowChangedError(this.runId);
    this.etag = out.etag;
  }

  /**
   * As write, with upserts after it in the same `$batch` (they run only once the row is written,
   * never when it is refused): their outcomes, or null when they were not sent with it (the write
   * was a repeat of our own; the caller sends them).
   */
  async writeThen(patch: Row, then: Upserts): Promise<WriteOutcome[] | null> {
    const expected = this.etag ?? (await this.currentVersion());
    const { update, upserted } = await updateIfUnchangedThen(this.gateway, "vit_auditrun", "vit_auditrunid", this.runId, patch, expected, then);
    if (!update.written) throw new RunRowChangedError(this.runId);
    this.etag = update.etag;
    return upserted;
  }

  private async currentVersion(): Promise<string> {
    const row = await this.gateway.retrieveRecord("vit_auditrun", this.runId, ["versionnumber"]);
    if (!row) throw new Error(`audit run ${this.runId} was not found (deleted while the audit ran?)`);
    return etagOf(row);
  }
}
