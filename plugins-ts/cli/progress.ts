/**
 * Progress for long work: a live bar on a terminal (cli-progress), plain lines at most every few
 * seconds when output is not a terminal or CI is set. Always on stderr, so stdout stays data.
 */
import { SingleBar, Presets } from "cli-progress";

export interface Progress {
  update(done: number, detail?: string): void;
  setTotal(total: number): void;
  stop(finalLine?: string): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Format `done`/`total` for display (e.g. bytes → "12.3 MB"). */
  format?: (n: number) => string;
  /** Force plain lines (tests, CI). */
  plain?: boolean;
  stream?: NodeJS.WriteStream;
  /** Minimum interval between plain lines. */
  intervalMs?: number;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const fmt = opts.format ?? ((n: number) => n.toLocaleString("en-US"));
  const plain = opts.plain ?? (!stream.isTTY || process.env.CI === "true" || process.env.CI === "1");
  let total = opts.total;
  if (!plain) {
    const bar = new SingleBar(
      {
        stream,
        format: `${opts.label} [{bar}] {percentage}% | {shown} | ETA {eta_formatted} | {detail}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0, { shown: `${fmt(0)}/${fmt(total)}`, detail: "" });
    return {
      update(done, detail = "") {
        bar.update(Math.min(done, Math.max(total, 1)), { shown: `${fmt(done)}/${fmt(total)}`, detail });
      },
      setTotal(t) {
        total = t;
        bar.setTotal(Math.max(t, 1));
      },
      stop(finalLine) {
        bar.stop();
        if (finalLine) stream.write(`${finalLine}\n`);
      },
    };
  }
  const interval = opts.intervalMs ?? 5000;
  const started = Date.now();
  let last = started;
  return {
    update(done, detail) {
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      const pct = total > 0 ? ` (${Math.floor((100 * done) / total)} %)` : "";
      const elapsed = Math.round((now - started) / 1000);
      stream.write(`${opts.label}: ${fmt(done)}/${fmt(total)}${pct}, ${elapsed}s${detail ? `, ${detail}` : ""}\n`);
    },
    setTotal(t) {
      total = t;
    },
    stop(finalLine) {
      if (finalLine) stream.write(`${finalLine}\n`);
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
