/** The record list page: tables as tabs, search, paging, a user switcher, what to try. */
import { FORMATTED, apiJson, currentUser, h, loadConfig, text, topBar, userNote, type ApiError } from "./common";
import type { HostConfig, HostTable, HostUser } from "./config";
import { saveRecordSet } from "./navigation";

const PAGE_SIZE = 25;

interface ListState {
  table: HostTable;
  search: string;
  /** Links of the pages before the current one (the first page is ""). */
  history: string[];
  current: string;
  page: number;
}

function firstPageQuery(t: HostTable, search: string): string {
  const select = `$select=${t.primaryName},_ownerid_value,modifiedon`;
  const filter = search ? `&$filter=contains(${t.primaryName},'${encodeURIComponent(search.replace(/'/g, "''"))}')` : "";
  return `${t.entitySetName}?${select}${filter}&$orderby=${t.primaryName} asc&$count=true`;
}

function formUrl(table: string, id: string | null, user: HostUser): string {
  return `/form?table=${table}${id ? `&id=${id}` : ""}&user=${user.key}`;
}

async function main(): Promise<void> {
  const cfg = await loadConfig();
  const user = currentUser(cfg);
  const params = new URLSearchParams(location.search);
  const app = document.getElementById("app")!;
  const switchUser = (key: string) => {
    const p = new URLSearchParams(location.search);
    p.set("user", key);
    location.search = p.toString();
  };
  const startTable = cfg.tables.find((t) => t.logicalName === params.get("table")) ?? cfg.tables[0];
  const state: ListState = { table: startTable, search: params.get("q") ?? "", history: [], current: "", page: 1 };

  const tabs = h("div", { role: "tablist", "aria-label": "Tables", class: "tabs" });
  const panel = h("div", { role: "tabpanel", id: "records-panel", class: "records" });
  const searchInput = h("input", { type: "search", id: "search", name: "q", value: state.search, autocomplete: "off" });
  const tableBody = h("tbody");
  const caption = h("caption", { class: "visually-hidden" });
  const status = h("p", { role: "status", class: "list-status" });
  const prev = h("button", { type: "button", class: "btn" }, "Previous page");
  const next = h("button", { type: "button", class: "btn" }, "Next page");
  const newLink = h("a", { class: "btn btn-primary", href: "#" });

  const tabButtons = cfg.tables.map((t) =>
    h("button", { type: "button", role: "tab", id: `tab-${t.logicalName}`, "aria-controls": "records-panel", onClick: () => void selectTable(t) }, `${t.pluralName}`),
  );
  tabs.append(...tabButtons);
  tabs.addEventListener("keydown", (e) => {
    const i = cfg.tables.indexOf(state.table);
    const move = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!move) return;
    const t = cfg.tables[(i + move + cfg.tables.length) % cfg.tables.length];
    void selectTable(t).then(() => document.getElementById(`tab-${t.logicalName}`)?.focus());
  });

  async function load(link: string): Promise<void> {
    const t = state.table;
    status.textContent = "Loading…";
    tableBody.replaceChildren();
    prev.disabled = next.disabled = true;
    try {
      const body = await apiJson<{ value: Record<string, unknown>[]; "@odata.count"?: number; "@odata.nextLink"?: string }>(cfg, user.token, link || firstPageQuery(t, state.search), {
        Prefer: `odata.include-annotations="OData.Community.Display.V1.FormattedValue",odata.maxpagesize=${PAGE_SIZE}`,
      });
      state.current = link;
      // The form's Previous / Next move through these records in-page (./navigation).
      saveRecordSet(t.logicalName, body.value.map((row) => ({ id: String(row[t.primaryId]), name: text(row[t.primaryName]) || "(no name)" })));
      for (const row of body.value) {
        const id = String(row[t.primaryId]);
        const name = typeof row[t.primaryName] === "string" && row[t.primaryName] !== "" ? String(row[t.primaryName]) : "(no name)";
        const owner = text(row[`_ownerid_value${FORMATTED}`]);
        tableBody.append(
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: formUrl(t.logicalName, id, user) }, name)),
            h("td", {}, owner),
            h("td", {}, text(row[`modifiedon${FORMATTED}`])),
            h("td", {}, h("a", { href: formUrl(t.logicalName, id, user), "aria-label": `Open ${name}`, class: "open-link" }, "Open")),
          ),
        );
      }
      const total = body["@odata.count"];
      const from = (state.page - 1) * PAGE_SIZE + 1;
      status.textContent = body.value.length
        ? `${t.pluralName} ${from.toLocaleString("en-US")}–${(from + body.value.length - 1).toLocaleString("en-US")}${typeof total === "number" ? ` of ${total.toLocaleString("en-US")}${total >= 5000 ? "+" : ""}` : ""} that ${user.fullname} can read${state.search ? `, matching “${state.search}”` : ""}.`
        : `No ${t.pluralName.toLowerCase()} that ${user.fullname} can read${state.search ? ` match “${state.search}”` : ""}.`;
      prev.disabled = state.history.length === 0;
      const nextLink = body["@odata.nextLink"];
      next.disabled = !nextLink;
      next.onclick = () => {
        if (!nextLink) return;
        state.history.push(state.current);
        state.page++;
        void load(nextLink);
      };
    } catch (e) {
      const err = e as ApiError;
      status.textContent =
        err.status === 403
          ? `${user.fullname} (${user.role}) may not read ${t.pluralName.toLowerCase()}: the Web API answered 403 — ${err.message}`
          : err.status === 401
            ? `${user.fullname} cannot sign in (401): ${err.message}`
            : `Could not load ${t.pluralName.toLowerCase()}: ${err.message}`;
    }
  }

  prev.onclick = () => {
    const link = state.history.pop();
    if (link === undefined) return;
    state.page--;
    void load(link);
  };

  async function selectTable(t: HostTable): Promise<void> {
    state.table = t;
    state.history = [];
    state.page = 1;
    for (const b of tabButtons) {
      const on = b.id === `tab-${t.logicalName}`;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
    }
    panel.setAttribute("aria-labelledby", `tab-${t.logicalName}`);
    caption.textContent = `${t.pluralName}`;
    newLink.textContent = `New ${t.displayName.toLowerCase()}`;
    newLink.setAttribute("href", formUrl(t.logicalName, null, user));
    const p = new URLSearchParams(location.search);
    p.set("table", t.logicalName);
    history.replaceState(null, "", `?${p.toString()}`);
    await load("");
  }

  const searchForm = h(
    "form",
    { role: "search", class: "search", "aria-label": "Search records" },
    h("label", { for: "search" }, "Search by name"),
    searchInput,
    h("button", { type: "submit", class: "btn" }, "Search"),
  );
  searchForm.addEventListener("submit", (e) => {
    e.preventDefault();
    state.search = searchInput.value.trim();
    state.history = [];
    state.page = 1;
    void load("");
  });

  panel.append(
    h("div", { class: "list-tools" }, searchForm, newLink),
    status,
    h(
      "table",
      { class: "grid" },
      caption,
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Owner"), h("th", { scope: "col" }, "Modified on"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Open")))),
      tableBody,
    ),
    h("nav", { class: "pager", "aria-label": "Pages" }, prev, next),
  );

  app.replaceChildren(
    topBar(cfg, user, switchUser),
    h(
      "main",
      { id: "main" },
      h("h1", {}, "Records"),
      userNote(user),
      governance(cfg, user),
      tabs,
      panel,
      tryThis(cfg),
    ),
  );
  await selectTable(state.table);
}

function governance(cfg: HostConfig, user: HostUser): HTMLElement | null {
  if (!cfg.governancePage) return null;
  const orgUrl = `${location.origin}/`;
  // Drill-down links open this host's form page for the record, as the same user.
  const recordLink = `${location.origin}/form?table={table}&id={id}&user=${encodeURIComponent(user.key)}`;
  const href = `${cfg.governancePage}?orgUrl=${encodeURIComponent(orgUrl)}&token=${encodeURIComponent(user.token)}&hostUrl=${encodeURIComponent(recordLink)}`;
  return h("p", { class: "governance" }, h("a", { href, class: "btn" }, "Open the Governance Center"), ` as ${user.fullname}: audits, findings by rule, table and owner.`);
}

function tryThis(cfg: HostConfig): HTMLElement {
  return h(
    "section",
    { class: "try", "aria-labelledby": "try-title" },
    h("h2", { id: "try-title" }, "What to try"),
    h("ul", {}, ...cfg.examples.map((x) => h("li", {}, h("a", { href: x.href }, x.title), h("span", { class: "try-detail" }, ` — ${x.detail}`)))),
    h("p", { class: "hint" }, `Demo data generated around ${cfg.dataNow.slice(0, 10)}. Every request goes to the emulator with the signed-in user's token, so what a user sees is the emulator's security, not the page's.`),
  );
}

main().catch((e: unknown) => {
  document.getElementById("app")!.replaceChildren(h("main", { id: "main" }, h("h1", {}, "CRM Vitals sandbox"), h("p", { role: "alert" }, `The page could not start: ${(e as Error).message}`)));
});
