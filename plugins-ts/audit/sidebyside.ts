/**
 * An incremental run's tables side by side: the streams every table's phases will read — its
 * modified records, its revisits due and its health rows whose record is gone — are started
 * together, before the first table is scored, so the gateway sends their first pages in one
 * `$batch` (webapi/coalesce.ts) instead of three requests a table. Each phase then takes its
 * stream from here (later pages follow the stream's own nextLink, as always) or, when it resumes
 * from a checkpoint or was not started here, opens its own.
 *
 * What this changes: a table's streams are read a little earlier than its phases begin. Records
 * modified meanwhile are found by the next incremental run (which looks back to this run's start);
 * a revisit found due before the records phase re-scored the same record is scored again, which
 * writes nothing (the fingerprint is unchanged) and counts once (its stored contribution is taken
 * out before the new one goes in). Memory: at most one page per stream started here.
 *
 * Failure modes: a first page that fails is thrown by the phase that takes it, as its own read
 * would have thrown; streams no phase takes are dropped with the run.
 */
import type { DataverseGateway, Row, StreamTableOptions, TablePage } from "../dataverse/gateway";

type Phase = "records" | "revisits" | "gone";

interface Started {
  iterator: AsyncIterator<TablePage>;
  first: Promise<IteratorResult<TablePage>>;
}

export class SideBySide {
  private readonly started = new Map<string, Started>();

  constructor(private readonly gateway: DataverseGateway) {}

  /** Starts a stream now: its first page is asked for in this turn, with the others started in it. */
  start(table: string, phase: Phase, opts: StreamTableOptions): void {
    const iterator = this.gateway.streamTable(opts)[Symbol.asyncIterator]();
    const first = iterator.next();
    first.catch(() => undefined); // thrown where the phase takes it; not an unhandled rejection meanwhile
    this.started.set(`${table}|${phase}`, { iterator, first });
  }

  /**
   * The first page of a stream started here, without taking it: its rows and whether more pages
   * follow; null when no stream was started for this table and phase.
   */
  async peek(table: string, phase: Phase): Promise<{ rows: Row[]; more: boolean } | null> {
    const s = this.started.get(`${table}|${phase}`);
    if (!s) return null;
    const first = await s.first;
    return first.done ? { rows: [], more: false } : { rows: first.value.rows, more: first.value.nextLink !== null };
  }

  /** The stream started for this table and phase (once), or a new one. */
  stream(table: string, phase: Phase, opts: StreamTableOptions): AsyncIterable<TablePage> {
    const key = `${table}|${phase}`;
    const s = opts.resumeFrom === undefined ? this.started.get(key) : undefined;
    if (!s) return this.gateway.streamTable(opts);
    this.started.delete(key);
    return {
      [Symbol.asyncIterator]: () => {
        let taken = false;
        return {
          next: () => {
            if (taken) return s.iterator.next();
            taken = true;
            return s.first;
          },
          return: async () => (await s.iterator.return?.()) ?? { done: true, value: undefined },
        };
      },
    };
  }
}

/** Without side-by-side streams: every phase opens its own. */
export function ownStreams(gateway: DataverseGateway): Pick<SideBySide, "stream"> {
  return { stream: (_table, _phase, opts) => gateway.streamTable(opts) };
}
