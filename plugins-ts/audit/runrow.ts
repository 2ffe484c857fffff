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
import { DataverseError } from "../dataverse/errors";
import { ETAG, etagOf, type DataverseGateway, type Row } from "../dataverse/gateway";
import { versionIfOurs } from "../dataverse/ownwrite";

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
    const [res] = await this.gateway.updateMany("vit_auditrun", [{ ...patch, vit_auditrunid: this.runId, [ETAG]: expected }], { batchSize: 1 });
    if (!res) throw new Error(`audit run ${this.runId}: the update returned no outcome`);
    if (!res.ok) {
      if (!(res.error instanceof DataverseError) || res.error.status !== 412) throw res.error;
      // Our own write seen twice (a retry after a dropped connection), or someone else's?
      const ours = await versionIfOurs(this.gateway, "vit_auditrun", this.runId, patch);
      if (ours === null) throw new RunRowChangedError(this.runId);
      this.etag = ours;
      return;
    }
    this.etag = res.etag ?? null;
  }

  private async currentVersion(): Promise<string> {
    const row = await this.gateway.retrieveRecord("vit_auditrun", this.runId, ["versionnumber"]);
    if (!row) throw new Error(`audit run ${this.runId} was not found (deleted while the audit ran?)`);
    return etagOf(row);
  }
}
