/**
 * A form-like page for one record: a Dynamics-like header, a few columns (some editable), a Save
 * button that writes through the Web API, and the RecordVitals control from its production bundle
 * hosted by ./pcfHost with the signed-in user's token. It answers the panel's form channel as the
 * form script does on a Dynamics form (./formFixes), so the panel's Fix sets these inputs.
 */
import { FORMATTED, apiJson, currentUser, h, loadConfig, text, topBar, userNote, type ApiError } from "./common";
import type { HostColumn } from "./config";
import { createHostedWebApi, mountControl, type MountedControl } from "./pcfHost";
import { answerFormChannel } from "./formFixes";

const LOCALES: Record<string, string> = { "1033": "en-US", "1031": "de-DE" };

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

async function main(): Promise<void> {
  const cfg = await loadConfig();
  const user = currentUser(cfg);
  const params = new URLSearchParams(location.search);
  const table = cfg.tables.find((t) => t.logicalName === params.get("table"));
  const app = document.getElementById("app")!;
  const lcid = params.get("lcid") === "1031" ? "1031" : "1033";
  const go = (changes: Record<string, string | null>) => {
    const p = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) p.delete(k);
      else p.set(k, v);
    }
    location.search = p.toString();
  };
  if (!table) {
    app.replaceChildren(
      topBar(cfg, user, (key) => go({ user: key })),
      h("main", { id: "main" }, h("h1", {}, "Unknown table"), h("p", { role: "alert" }, `This page needs ?table= one of ${cfg.tables.map((t) => t.logicalName).join(", ")}.`), h("a", { href: "/" }, "Back to the records")),
    );
    return;
  }
  let id = params.get("id")?.trim().replace(/^\{|\}$/g, "").toLowerCase() || null;
  const strings = (await (await fetch(`/host/strings/${lcid}.json`)).json()) as Record<string, string>;
  const webAPI = createHostedWebApi(cfg.apiBase, user.token, cfg.entitySets);

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
  // The host's own chrome is English; the control speaks the chosen language.
  const panelBox = h("div", { class: "panel-box", id: "vitals-panel", lang: lcid === "1031" ? "de" : "en" });
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
        h("a", { class: "btn", href: `/form?table=${table.logicalName}&user=${user.key}` }, `New ${table.displayName.toLowerCase()}`),
        h("span", { class: "toggle" }, phone, h("label", { for: "phone" }, "Phone layout")),
        h("span", { class: "toggle" }, disabled, h("label", { for: "disabled" }, "Control disabled (read-only form)")),
      ),
      message,
      userNote(user),
      h("div", { class: "form-body" }, form, h("section", { class: "vitals", "aria-labelledby": "vitals-title" }, h("h2", { id: "vitals-title" }, "Vitals"), panelFrame)),
    ),
  );

  const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
  let loaded: Record<string, unknown> = {};
  await renderRecord();

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
      openForm: (t, rid) => {
        location.href = `/form?table=${encodeURIComponent(t)}${rid ? `&id=${encodeURIComponent(rid)}` : ""}&user=${user.key}${lcid !== "1033" ? `&lcid=${lcid}` : ""}`;
      },
      openUrl: (url) => window.open(url, "_blank", "noopener"),
    });
  } catch (e) {
    panelBox.replaceChildren(h("p", { role: "alert" }, (e as Error).message));
    return;
  }

  // As the CRM Vitals form script does on a Dynamics form: tell the panel which fields the user may
  // edit, set them when the user presses Fix, and report edits so the panel re-scores.
  answerFormChannel({ table: table.logicalName, id: () => id, inputs, form, readOnly: () => disabled.checked, message });

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

  async function renderRecord(): Promise<void> {
    fields.replaceChildren();
    inputs.clear();
    const t = table!;
    if (id) {
      const select = [...new Set([t.primaryName, "_ownerid_value", ...t.columns.map(propertyOf)])].join(",");
      try {
        loaded = await apiJson<Record<string, unknown>>(cfg, user.token, `${t.entitySetName}(${id})?$select=${select}`, { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' });
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
        control = h("output", { id: inputId, class: "readonly" }, text(v) || "—");
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

main().catch((e: unknown) => {
  document.getElementById("app")!.replaceChildren(h("main", { id: "main" }, h("h1", {}, "CRM Vitals sandbox"), h("p", { role: "alert" }, `The page could not start: ${(e as Error).message}`)));
});
