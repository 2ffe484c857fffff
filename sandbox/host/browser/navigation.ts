/**
 * In-page record navigation on the sandbox's form page, as Unified Interface does it: UCI is a
 * single-page app (its main.aspx URL changes on navigation without a page load — Channel
 * Integration Framework's `onpagenavigate` reports exactly that), so the platform libraries and a
 * control's bundle load once per session; moving to another record re-renders the form, the PCF
 * control on it is removed (`destroy()`, "invoked when the component is to be removed from the DOM
 * tree", learn.microsoft.com/power-apps/developer/component-framework/reference/react-control/destroy)
 * and a new one is initialised for the new record. `Xrm.Navigation.openForm` opens the form in the
 * same tab unless `openInNewWindow` is set (learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/xrm-navigation/openform).
 *
 * What moves in-page here: links marked `data-in-page` (the record set's Previous/Next, lookup
 * values), the panel's `context.navigation.openForm`, and `window.Xrm.Navigation.openForm` (the
 * part of Xrm a form script uses to open a record). Each move is a `history.pushState`, so back,
 * forward and deep links work; back/forward re-render the form for the URL (popstate). A full page
 * load of a /form URL still works for the first open. Modified clicks (ctrl, shift, middle button)
 * are the browser's: a new tab loads the page fully.
 *
 * The record set is what UCI's record set navigator offers: the list page keeps the ids of the
 * page of records it showed in sessionStorage (no request of its own), the form moves through them.
 */

export interface FormTarget {
  table: string;
  /** null: a new record's form. */
  id: string | null;
}

export interface RecordSetEntry {
  id: string;
  name: string;
}

const RECORD_SET_KEY = "crmVitals.sandbox.recordSet";

/** The record a /form URL's query names (id without braces, lower case). */
export function targetOf(search: string): FormTarget {
  const p = new URLSearchParams(search);
  return { table: p.get("table") ?? "", id: p.get("id")?.trim().replace(/^\{|\}$/g, "").toLowerCase() || null };
}

/** The /form URL of a record, keeping the current page's other parameters (user, language, layout toggles). */
export function formHref(t: FormTarget, search: string = location.search): string {
  const p = new URLSearchParams(search);
  p.set("table", t.table);
  if (t.id) p.set("id", t.id);
  else p.delete("id");
  return `/form?${p.toString()}`;
}

/** The list page keeps the records it shows, for the form's Previous / Next. */
export function saveRecordSet(table: string, entries: readonly RecordSetEntry[]): void {
  try {
    sessionStorage.setItem(RECORD_SET_KEY, JSON.stringify({ table, entries }));
  } catch {
    // storage full or disabled: the form simply shows no record set
  }
}

/** The record set the list page kept, when it holds the table's record `id`; else null. */
export function recordSetAround(t: FormTarget): { entries: RecordSetEntry[]; index: number } | null {
  if (!t.id) return null;
  try {
    const saved = JSON.parse(sessionStorage.getItem(RECORD_SET_KEY) ?? "null") as { table?: string; entries?: RecordSetEntry[] } | null;
    if (!saved || saved.table !== t.table || !Array.isArray(saved.entries)) return null;
    const index = saved.entries.findIndex((e) => e.id === t.id);
    return index < 0 ? null : { entries: saved.entries, index };
  } catch {
    return null;
  }
}

interface EntityFormOptions {
  entityName: string;
  entityId?: string;
  openInNewWindow?: boolean;
}

export interface Router {
  /** Shows another record in this page: a new history entry (`replace`: the current one changes). */
  navigate(t: FormTarget, mode?: "push" | "replace"): void;
}

/**
 * Wires in-page navigation: `show` renders the form for a target (it disposes the one before).
 * Installs `window.Xrm.Navigation.openForm`, the `data-in-page` link handler and the popstate
 * listener, once per page.
 */
export function createRouter(show: (t: FormTarget) => void): Router {
  const navigate = (t: FormTarget, mode: "push" | "replace" = "push"): void => {
    const href = formHref(t);
    if (mode === "push") history.pushState(null, "", href);
    else history.replaceState(null, "", href);
    show(t);
  };
  window.addEventListener("popstate", () => show(targetOf(location.search)));
  document.addEventListener("click", (e) => {
    const a = (e.target as Element | null)?.closest?.("a[data-in-page]");
    if (!(a instanceof HTMLAnchorElement) || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(targetOf(new URL(a.href).search));
  });
  const xrm = ((window as unknown as { Xrm?: Record<string, unknown> }).Xrm ??= {});
  xrm.Navigation = {
    openForm(options: EntityFormOptions): Promise<{ savedEntityReference: unknown[] }> {
      if (!options || typeof options.entityName !== "string" || options.entityName === "") return Promise.reject(new Error("Xrm.Navigation.openForm: entityFormOptions.entityName is required."));
      const t: FormTarget = { table: options.entityName, id: options.entityId ? targetOf(`?id=${encodeURIComponent(options.entityId)}`).id : null };
      if (options.openInNewWindow) window.open(formHref(t), "_blank", "noopener");
      else navigate(t);
      return Promise.resolve({ savedEntityReference: [] });
    },
  };
  return { navigate };
}
