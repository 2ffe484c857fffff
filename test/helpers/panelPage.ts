/**
 * Hosts the production RecordVitals bundle.js in a bare page (React 16.14 UMD, the Fluent v9
 * platform library pcf-start ships, the bundle, and the vitals.libs.js web resource the bundle
 * loads) on 127.0.0.1:0, and renders it in the page with a
 * fake PCF context whose webAPI answers at once. Used by the browser tests and bench/panel.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AXE_SCRIPT, BUNDLE, ENGINE_LIBS, ENGINE_LIBS_URL_PATH, PLATFORM_GLOBALS_SCRIPT, PLATFORM_LIBRARIES, ROOT, resxStrings } from "../../sandbox/host/assets";

export { BUNDLE, ROOT, resxStrings };
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export function chromiumPath(): string | null {
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

const FILES: Record<string, { path: string; type: string }> = {
  "/react.js": PLATFORM_LIBRARIES.react,
  "/react-dom.js": PLATFORM_LIBRARIES.reactDom,
  "/fluent.js": PLATFORM_LIBRARIES.fluent,
  "/bundle.js": { path: BUNDLE, type: "text/javascript" },
  "/axe.js": AXE_SCRIPT,
  // The panel loads the engine's libraries itself, from where Dynamics serves web resources.
  [ENGINE_LIBS_URL_PATH]: { path: ENGINE_LIBS, type: "text/javascript" },
};
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Record vitals</title>
<script src="/react.js"></script><script src="/react-dom.js"></script>
<script>${PLATFORM_GLOBALS_SCRIPT}</script>
<script src="/fluent.js"></script><script src="/bundle.js"></script></head><body><main></main></body></html>`;

export async function servePanelPage(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const f = FILES[req.url ?? ""];
    if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    else if (f) res.writeHead(200, { "content-type": f.type }).end(readFileSync(f.path));
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

export interface PanelRunInput {
  runs: number;
  strings: Record<string, string>;
  /** Allocated width in px (below 400 the layout is compact). */
  width?: number;
  formFactor?: number;
  /** Leave the last rendered panel on the page (for screenshots and axe). */
  keepLast?: boolean;
}

export interface PanelRunResult {
  /** Per run: ms from the last Web API answer to findings in the DOM. */
  ms: number[];
  requests: number;
  findings: number;
  score: string;
}

/**
 * Runs inside the page (serialised by Playwright: self-contained, no imports). Each run is a fresh
 * control instance scoring an opportunity with gaps.
 */
export async function renderPanelInPage(input: PanelRunInput): Promise<PanelRunResult> {
  const w = window as unknown as {
    CrmVitals: { RecordVitals: new () => { init(c: unknown): void; updateView(c: unknown): unknown } };
    ReactDOM: { render(el: unknown, c: Element): void; unmountComponentAtNode(c: Element): void };
  };
  const day = 86_400_000;
  const ago = (n: number) => new Date(Date.now() - n * day).toISOString();
  const ms: number[] = [];
  let requests = 0;
  let findings = 0;
  let score = "";
  for (let run = 0; run < input.runs; run++) {
    const id = `11111111-2222-3333-4444-${String(run).padStart(12, "0")}`;
    let lastData = 0;
    const answer = <T,>(v: T): Promise<T> =>
      Promise.resolve(v).then((x) => {
        lastData = performance.now();
        requests++;
        return x;
      });
    const webAPI = {
      retrieveRecord: (table: string) =>
        answer(
          table === "opportunity"
            ? {
                opportunityid: id, name: `Fleet renewal ${run}`, statecode: 0, _parentaccountid_value: "99999999-0000-0000-0000-000000000001",
                parentaccountid: { accountid: "99999999-0000-0000-0000-000000000001", statecode: 0, name: "Contoso" }, _parentcontactid_value: null,
                purchasetimeframe: null, budgetamount: 50000, decisionmaker: false, customerneed: null, proposedsolution: "Lease", identifycustomercontacts: true,
                developproposal: false, presentproposal: false, finaldecisiondate: null, filedebrief: false, estimatedclosedate: ago(10), estimatedvalue: 120000,
                closeprobability: 40, actualclosedate: null, actualvalue: null, createdon: ago(90), modifiedon: ago(2), versionnumber: 1000 + run,
                _ownerid_value: "99999999-0000-0000-0000-0000000000aa", owninguser: { isdisabled: false, fullname: "Dana Seller" }, owningteam: null,
              }
            : {},
        ),
      retrieveMultipleRecords: (table: string) =>
        answer({
          entities:
            table === "activitypointer"
              ? [{ state: 1, lastdone: ago(40) }, { state: 0, nextdue: ago(3) }]
              : table === "opportunitysalesprocess"
                ? [{ activestagestartedon: ago(50), statecode: 0, activestageid: { stagename: "Develop" } }]
                : [],
        }),
    };
    const context = {
      parameters: { boundColumn: { raw: "x", security: { readable: true, editable: true, secured: false } } },
      mode: { allocatedWidth: input.width ?? 600, isControlDisabled: false, trackContainerResize: () => undefined, contextInfo: { entityTypeName: "opportunity", entityId: id } },
      client: { getFormFactor: () => input.formFactor ?? 1 },
      resources: { getString: (k: string) => input.strings[k] ?? k },
      navigation: { openForm: () => Promise.resolve() },
      formatting: { formatDateShort: (d: Date) => d.toLocaleDateString("en-US") },
      webAPI,
      updatedProperties: [] as string[],
    };
    const container = document.createElement("div");
    container.style.width = `${input.width ?? 600}px`;
    document.querySelector("main")!.appendChild(container);
    const done = new Promise<number>((ok) => {
      const obs = new MutationObserver(() => {
        if (container.querySelector("[data-rule]")) {
          obs.disconnect();
          ok(performance.now());
        }
      });
      obs.observe(container, { childList: true, subtree: true });
    });
    const control = new w.CrmVitals.RecordVitals();
    control.init(context);
    w.ReactDOM.render(control.updateView(context), container);
    const rendered = await done;
    ms.push(rendered - lastData);
    findings = container.querySelectorAll("[data-rule]").length;
    score = container.querySelector('[role="status"]')?.textContent ?? "";
    if (!(input.keepLast && run === input.runs - 1)) {
      w.ReactDOM.unmountComponentAtNode(container);
      container.remove();
    }
  }
  return { ms, requests, findings, score };
}
