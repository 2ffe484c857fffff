/**
 * A form-like page for one record: a Dynamics-like header, a few columns (some editable), a Save
 * button that writes through the Web API, and the RecordVitals control from its production bundle
 * hosted by ./pcfHost with the signed-in user's token. It answers the panel's form channel as the
 * form script does on a Dynamics form (./formFixes), so the panel's Fix sets these inputs.
 *
 * The page is a session, as Unified Interface is: the first open is a full page load (platform
 * libraries, the control's bundle, config and strings, each once); moving to another record — the
 * record set's Previous / Next, a lookup, the panel's openForm, `Xrm.Navigation.openForm` — is
 * in-page (./navigation): the current control is destroyed (its `destroy()`, then React unmounts
 * it), the form's channel side is closed, the form is re-rendered for the new record and a new
 * control instance is initialised on it.
 */
import { FORMATTED, apiJson, currentUser, h, loadConfig, text, topBar, userNote, type ApiError } from "./common";
import type { HostColumn, HostConfig, HostTable, HostUser } from "./config";
import { createHostedWebApi, mountControl, type HostedWebApi, type MountedControl } from "./pcfHost";
import { createRouter, formHref, recordSetAround, targetOf, type FormTarget, type Router } from "./navigation";
import { answerFormChannel } from "./formFixes";

const LOCALES: Record<string, string> = { "1033": "en-US", "1031": "de-DE" };
/** The annotation naming a lookup value's table. */
const LOOKUP_TABLE = "Microsoft.Dynamics.CRM.lookuplogicalname";

function propertyOf(c: HostColumn): string {
  return c.type === "lookup" || c.type === "customer" || c.type === "owner" ? `_${c.name}_value` : c.name;
}

function inputValue(c: HostColumn, v: unknown): string {
  if (v === null || v === undefined) return "";
  if (c.type === "dateonly") return text(v).slice(0, 10);
  return text(v);
}

/** The Web API value of an input: empty → null, numbers for money/decimal/integer. */
function apiValue(c: HostColumn, text: string): unknown {
  const t = text.trim();
  if (t === "") return null;
  if (c.type === "money" || c.type === "decimal" || c.type === "integer") {
    const n = Number(t);
    if (!Number.isFinite(n)) throw new Error(`${c.label}: "${text}" is not a number.`);
    return n;
  }
  return t;
}

/** What every record's form in this page session shares: read once, at the first (full) load. */
interface Session {
  cfg: HostConfig;
  user: HostUser;
  lcid: "1033" | "1031";
  strings: Record<string, string>;
  webAPI: HostedWebApi;
  app: HTMLElement;
  /** A full page load with changed URL parameters (another user or language: a new session). */
  go: (changes: Record<string, string | null>) => void;
  router: Router;
}

/** One record's form on screen; `dispose` removes its control (destroy) and its form-channel side. */
interface FormView {
  dispose(): void;
}

async function main(): Promise<void> {
  const cfg = await loadConfig();
  const user = currentUser(cfg);
  const params = new URLSearchParams(location.search);
  const lcid = params.get("lcid") === "1031" ? "1031" : "1033";
  const strings = (await (await fetch(`/host/strings/${lcid}.json`)).json()) as Record<string, string>;
  const go = (changes: Record<string, string | null>) => {
    const p = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) p.delete(k);
      else p.set(k, v);
    }
    location.search = p.toString();
  };
  let current: FormView | null = null;
  let shown = 0;
  // Navigation while a form still loads: the newer one wins, the older one is disposed when it settles.
  const show = (t: FormTarget): void => {
    current?.dispose();
    current = null;
    const mine = ++shown;
    openForm(session, t, () => mine !== shown)
      .then((view) => {
        if (mine === shown) current = view;
        else view.dispose();
      })
      .catch((e: unknown) => session.app.replaceChildren(h("main", { id: "main" }, h("p", { role: "alert" }, `The form could not open: ${(e as Error).message}`))));
  };
  const session: Session = { cfg, user, lcid, strings, webAPI: createHostedWebApi(cfg.apiBase, user.token, cfg.entitySets), app: document.getElementById("app")!, go, router: createRouter(show) };
  show(targetOf(location.search));
}

/** Renders the form of one record and mounts a new control on it; nothing is mounted once `stale()`. */
async function openForm(session: Session, target: FormTarget, stale: () => boolean): Promise<FormView> {
  const { cfg, user, lcid, strings, webAPI, app, go } = session;
  const params = new URLSearchParams(location.search);
  const table = cfg.tables.find((t) => t.logicalName === target.table);
  if (!table) {
    app.replaceChildren(
      topBar(cfg, user, (key) => go({ user: key })),
      h("main", { id: "main" }, h("h1", {}, "Unknown table"), h("p", { role: "alert" }, `This page needs ?table= one of ${cfg.tables.map((t) => t.logicalName).join(", ")}.`), h("a", { href: "/" }, "Back to the records")),
    );
    return { dispose: () => undefined };
  }
  let id = target.id;
  const disposers: (() => void)[] = [];
  const { title, owner, message, fields, save, phone, disabled, panelBox, panelFrame, form } = renderChrome(session, table, id, params);
  const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
  let loaded: Record<string, unknown> = {};
  await renderRecord();
  // Another record was opened while this one's data loaded: its form is on screen, not this one.
  if (stale()) return { dispose: () => undefined };

  let control: MountedControl;
  try {
    control = mountControl({
      container: panelBox,
      control: "CrmVitals.RecordVitals",
      table: table.logicalName,
      id,
      strings,
      locale: LOCALES[lcid],
      languageId: Number(lcid),
      userId: "",
      userName: user.fullname,
      formFactor: phone.checked ? 3 : 1,
      disabled: disabled.checked,
      readable: true,
      bound: { raw: loaded[table.primaryName] ?? null, formatted: text(loaded[table.primaryName]), type: "SingleLine.Text", label: table.primaryName },
      webAPI,
      // A record the panel links to (a likely duplicate) opens in this page, as on a UCI form.
      openForm: (t, rid) => session.router.navigate({ table: t, id: rid }),
      openUrl: (url) => window.open(url, "_blank", "noopener"),
    });
  } catch (e) {
    panelBox.replaceChildren(h("p", { role: "alert" }, (e as Error).message));
    return { dispose: () => undefined };
  }
  disposers.push(() => control.destroy());

  // As the CRM Vitals form script does on a Dynamics form: tell the panel which fields the user may
  // edit, set them when the user presses Fix, and report edits so the panel re-scores.
  disposers.push(answerFormChannel({ table: table.logicalName, id: () => id, inputs, form, readOnly: () => disabled.checked, message }));

  phone.addEventListener("change", () => {
    panelFrame.classList.toggle("phone", phone.checked);
    control.update({ formFactor: phone.checked ? 3 : 1 }, ["layout"]);
  });
  disabled.addEventListener("change", () => {
    for (const i of inputs.values()) i.readOnly = disabled.checked;
    control.update({ disabled: disabled.checked }, []);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void onSave();
  });
  return { dispose: () => disposers.splice(0).forEach((d) => d()) };

  async function renderRecord(): Promise<void> {
    fields.replaceChildren();
    inputs.clear();
    const t = table!;
    if (id) {
      const select = [...new Set([t.primaryName, "_ownerid_value", ...t.columns.map(propertyOf)])].join(",");
      try {
        loaded = await apiJson<Record<string, unknown>>(cfg, user.token, `${t.entitySetName}(${id})?$select=${select}`, { Prefer: `odata.include-annotations="OData.Community.Display.V1.FormattedValue,${LOOKUP_TABLE}"` });
      } catch (e) {
        const err = e as ApiError;
        title.textContent = err.status === 404 ? `${t.displayName} not found` : `${t.displayName} (not readable)`;
        owner.textContent = "";
        save.disabled = true;
        fields.append(
          h("p", { class: "notice" }, err.status === 403 ? `${user.fullname} (${user.role}) may not read this ${t.displayName.toLowerCase()}: ${err.message}` : err.status === 401 ? `${user.fullname} cannot sign in (401): ${err.message}` : err.message),
        );
        return;
      }
      title.textContent = text(loaded[t.primaryName]) || "(no name)";
      owner.textContent = `Owner: ${(text(loaded[`_ownerid_value${FORMATTED}`]) || "—")}`;
      document.title = `${title.textContent} — ${t.displayName} — CRM Vitals sandbox`;
    } else {
      loaded = {};
      owner.textContent = `Owner: ${user.fullname} (on save)`;
    }
    for (const c of t.columns) {
      const shown = id ? c : c.editable || c.onCreate ? c : null;
      if (!shown) continue;
      const prop = propertyOf(c);
      const inputId = `f-${c.name}`;
      let control: HTMLElement;
      if (c.editable) {
        const input =
          c.type === "memo"
            ? h("textarea", { id: inputId, name: c.name, rows: 3 })
            : h("input", { id: inputId, name: c.name, type: c.type === "dateonly" ? "date" : c.type === "money" || c.type === "decimal" || c.type === "integer" ? "number" : c.name.startsWith("email") ? "email" : c.name.startsWith("telephone") ? "tel" : "text", step: c.type === "money" ? "0.01" : null });
        input.value = inputValue(c, loaded[prop]);
        input.readOnly = disabled.checked;
        inputs.set(c.name, input);
        control = input;
      } else {
        const v = loaded[`${prop}${FORMATTED}`] ?? loaded[prop];
        // A lookup to a table the host has a form for opens that record in this page.
        const target = loaded[`${prop}@${LOOKUP_TABLE}`];
        const link = typeof target === "string" && typeof loaded[prop] === "string" && cfg.tables.some((x) => x.logicalName === target);
        control = h("output", { id: inputId, class: "readonly" }, link ? h("a", { href: formHref({ table: target, id: String(loaded[prop]) }), "data-in-page": true }, text(v) || String(loaded[prop])) : text(v) || "—");
      }
      fields.append(h("div", { class: "field" }, h("label", { for: inputId }, c.label, c.onCreate && !id ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null), control));
    }
  }

  async function onSave(): Promise<void> {
    const t = table!;
    if (disabled.checked) {
      message.replaceChildren(h("p", { class: "warn" }, "The form is read-only: clear “Control disabled” to edit."));
      return;
    }
    let data: Record<string, unknown>;
    try {
      data = {};
      for (const c of t.columns) {
        const input = inputs.get(c.name);
        if (!input) continue;
        const v = apiValue(c, input.value);
        const before = loaded[propertyOf(c)] ?? null;
        if (!id ? v !== null : text(v) !== inputValue(c, before)) data[c.name] = v;
      }
    } catch (e) {
      message.replaceChildren(h("p", { class: "error", role: "alert" }, (e as Error).message));
      return;
    }
    if (Object.keys(data).length === 0) {
      message.replaceChildren(h("p", {}, "Nothing changed: nothing to save."));
      return;
    }
    save.disabled = true;
    message.replaceChildren(h("p", {}, "Saving…"));
    try {
      if (id) await webAPI.updateRecord(t.logicalName, id, data);
      else {
        const created = await webAPI.createRecord(t.logicalName, data);
        id = created.id;
        panelBox.dataset.vitalsRecord = id;
        const p = new URLSearchParams(location.search);
        p.set("id", id);
        history.replaceState(null, "", `?${p.toString()}`);
      }
      await renderRecord();
      message.replaceChildren(h("p", { class: "ok" }, `Saved ${Object.keys(data).join(", ")}.`));
      // As a form save does: updateView with the (new) record, so the panel re-scores.
      control.update({ id, bound: { raw: loaded[t.primaryName] ?? null, formatted: text(loaded[t.primaryName]), type: "SingleLine.Text", label: t.primaryName } }, []);
    } catch (e) {
      const err = e as { message?: string; status?: number };
      message.replaceChildren(h("p", { class: "error", role: "alert" }, `Not saved${err.status ? ` (HTTP ${err.status})` : ""}: ${err.message ?? String(e)}`));
    } finally {
      save.disabled = false;
    }
  }
}

/** The form's chrome for a record: header, commands (with the record set's Previous / Next), the fields' and the panel's boxes. */
function renderChrome(session: Session, table: HostTable, id: string | null, params: URLSearchParams) {
  const { cfg, user, lcid, app, go } = session;
  const languageSelect = h("select", { id: "lcid", onChange: (e: Event) => go({ lcid: (e.target as HTMLSelectElement).value }) }, h("option", { value: "1033" }, "English"), h("option", { value: "1031", lang: "de" }, "Deutsch"));
  languageSelect.value = lcid;

  const title = h("h1", { class: "form-title" }, id ? "Loading…" : `New ${table.displayName}`);
  const owner = h("p", { class: "form-owner" });
  const message = h("div", { class: "form-message", role: "status" });
  const fields = h("div", { class: "fields" });
  const save = h("button", { type: "submit", class: "btn btn-primary", form: "record-form" }, "Save");
  const phone = h("input", { type: "checkbox", id: "phone" });
  const disabled = h("input", { type: "checkbox", id: "disabled" });
  phone.checked = params.get("phone") === "1";
  disabled.checked = params.get("disabled") === "1";
  // The host's own chrome is English; the control speaks the chosen language. The record's id on
  // the box tells a reader (bench/panel) which record's score the panel shows.
  const panelBox = h("div", { class: "panel-box", id: "vitals-panel", lang: lcid === "1031" ? "de" : "en", "data-vitals-record": id ?? "" });
  const panelFrame = h("div", { class: "panel-frame" }, panelBox);
  panelFrame.classList.toggle("phone", phone.checked);
  const form = h("form", { id: "record-form", class: "record-form", "aria-labelledby": "summary-title", novalidate: true }, h("h2", { id: "summary-title" }, "Summary"), fields);

  app.replaceChildren(
    topBar(cfg, user, (key) => go({ user: key }), h("label", { for: "lcid", class: "bar-label" }, "Language"), languageSelect),
    h(
      "main",
      { id: "main" },
      h("nav", { "aria-label": "Breadcrumb", class: "crumbs" }, h("a", { href: `/?table=${table.logicalName}&user=${user.key}` }, `${table.pluralName}`), " / ", id ? "Record" : "New"),
      h("div", { class: "form-header" }, h("p", { class: "form-table" }, table.displayName), title, owner),
      h(
        "div",
        { class: "commands", role: "toolbar", "aria-label": "Form commands" },
        save,
        h("a", { class: "btn", href: formHref({ table: table.logicalName, id: null }), "data-in-page": true }, `New ${table.displayName.toLowerCase()}`),
        recordSetNav({ table: table.logicalName, id }),
        h("span", { class: "toggle" }, phone, h("label", { for: "phone" }, "Phone layout")),
        h("span", { class: "toggle" }, disabled, h("label", { for: "disabled" }, "Control disabled (read-only form)")),
      ),
      message,
      userNote(user),
      h("div", { class: "form-body" }, form, h("section", { class: "vitals", "aria-labelledby": "vitals-title" }, h("h2", { id: "vitals-title" }, "Vitals"), panelFrame)),
    ),
  );
  return { title, owner, message, fields, save, phone, disabled, panelBox, panelFrame, form };
}

/** Previous / Next through the records the list page showed (UCI's record set navigation); null outside a record set. */
function recordSetNav(t: FormTarget): HTMLElement | null {
  const set = recordSetAround(t);
  if (!set) return null;
  const { entries, index } = set;
  const step = (i: number, label: string): HTMLElement =>
    i >= 0 && i < entries.length ? h("a", { class: "btn", href: formHref({ table: t.table, id: entries[i].id }), "data-in-page": true, "aria-label": `${label}: ${entries[i].name}` }, label) : h("button", { type: "button", class: "btn", disabled: true }, label);
  return h("span", { class: "record-set", role: "group", "aria-label": "Record set" }, step(index - 1, "Previous record"), h("span", { class: "record-set-pos" }, ` ${index + 1} of ${entries.length} `), step(index + 1, "Next record"));
}

main().catch((e: unknown) => {
  document.getElementById("app")!.replaceChildren(h("main", { id: "main" }, h("h1", {}, "CRM Vitals sandbox"), h("p", { role: "alert" }, `The page could not start: ${(e as Error).message}`)));
});
