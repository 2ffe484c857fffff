/**
 * A browser-side PCF host: runs a virtual (React) code component from its production bundle with
 * the parts of ComponentFramework.Context a model-driven form gives it. What is implemented is
 * what RecordVitals uses (docs/record-panel.md) plus the cheap neighbours of those members; the
 * rest is absent, not faked (docs/sandbox.md lists both).
 *
 * webAPI goes over HTTP to the Web API root (`apiBase`, proxied to the emulator) with the signed-in
 * user's bearer token, and fails like PCF's: a rejected promise with `{ errorCode, message, code,
 * title, raw }` (plus the HTTP `status`).
 */

/**
 * PCF's WebApi error (ErrorResponse: errorCode, message, code, title, raw) plus the HTTP status.
 * errorCode is the Dataverse code as a signed 32-bit number (0x80040220 → -2147220960).
 */
export class PcfErrorResponse extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
    readonly code: string,
    readonly title: string,
    readonly raw: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "PcfErrorResponse";
  }
}

export interface HostedWebApi {
  retrieveRecord(entityType: string, id: string, options?: string): Promise<Record<string, unknown>>;
  retrieveMultipleRecords(entityType: string, options?: string, maxPageSize?: number): Promise<{ entities: Record<string, unknown>[]; nextLink?: string }>;
  createRecord(entityType: string, data: Record<string, unknown>): Promise<{ entityType: string; id: string }>;
  updateRecord(entityType: string, id: string, data: Record<string, unknown>): Promise<{ entityType: string; id: string }>;
  deleteRecord(entityType: string, id: string): Promise<{ entityType: string; id: string }>;
}

function bareId(id: string): string {
  return id.trim().replace(/^\{|\}$/g, "").toLowerCase();
}

async function toPcfError(res: Response): Promise<PcfErrorResponse> {
  const raw = await res.text();
  let code = "";
  let message = `HTTP ${res.status} ${res.statusText}`;
  try {
    const body = JSON.parse(raw) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? "";
    if (body.error?.message) message = body.error.message;
  } catch {
    // not a Web API error body (a proxy or network answer): keep the HTTP status line
  }
  const errorCode = /^0x[0-9a-f]{8}$/i.test(code) ? parseInt(code, 16) | 0 : res.status;
  return new PcfErrorResponse(errorCode, message, code, res.statusText, raw, res.status);
}

/** `context.webAPI` over HTTP. `entitySets` maps logical names to entity set names. */
export function createHostedWebApi(apiBase: string, token: string, entitySets: Readonly<Record<string, string>>): HostedWebApi {
  const setOf = (entityType: string): string => {
    const s = entitySets[entityType];
    if (!s) throw new PcfErrorResponse(-2147217150, `The entity with a name = '${entityType}' was not found in the MetadataCache.`, "0x80041102", "Not Found", "", 404);
    return s;
  };
  const query = (options: string | undefined): string => (!options ? "" : options.startsWith("?") ? options : `?${options}`);
  const send = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Response> => {
    const headers: Record<string, string> = {
      Accept: "application/json",
      "OData-MaxVersion": "4.0",
      "OData-Version": "4.0",
      Authorization: `Bearer ${token}`,
      Prefer: 'odata.include-annotations="*"',
      ...extra,
    };
    if (body !== undefined) headers["Content-Type"] = "application/json; charset=utf-8";
    let res: Response;
    try {
      res = await fetch(path.startsWith("http") ? path : apiBase + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new PcfErrorResponse(0, `The Web API could not be reached: ${(e as Error).message}`, "", "Network error", "", 0);
    }
    if (!res.ok) throw await toPcfError(res);
    return res;
  };
  const idFromHeader = (res: Response): string => /\(([0-9a-f-]{36})\)\s*$/i.exec(res.headers.get("OData-EntityId") ?? "")?.[1]?.toLowerCase() ?? "";
  return {
    async retrieveRecord(entityType, id, options) {
      const res = await send("GET", `${setOf(entityType)}(${bareId(id)})${query(options)}`);
      return (await res.json()) as Record<string, unknown>;
    },
    async retrieveMultipleRecords(entityType, options, maxPageSize) {
      const opts = query(options);
      // A nextLink from an earlier page is passed back as the options: follow it as is.
      const path = /^\??https?:/.test(opts) ? opts.replace(/^\?/, "") : `${setOf(entityType)}${opts}`;
      const res = await send("GET", path, undefined, maxPageSize ? { Prefer: `odata.include-annotations="*",odata.maxpagesize=${maxPageSize}` } : {});
      const body = (await res.json()) as { value?: Record<string, unknown>[]; "@odata.nextLink"?: string };
      return { entities: body.value ?? [], ...(body["@odata.nextLink"] ? { nextLink: body["@odata.nextLink"] } : {}) };
    },
    async createRecord(entityType, data) {
      const res = await send("POST", setOf(entityType), data);
      return { entityType, id: idFromHeader(res) };
    },
    async updateRecord(entityType, id, data) {
      // If-Match: * makes the PATCH an update only, never an upsert (like PCF's updateRecord).
      await send("PATCH", `${setOf(entityType)}(${bareId(id)})`, data, { "If-Match": "*" });
      return { entityType, id: bareId(id) };
    },
    async deleteRecord(entityType, id) {
      await send("DELETE", `${setOf(entityType)}(${bareId(id)})`);
      return { entityType, id: bareId(id) };
    },
  };
}

/** A code component as pcf-scripts' bundle registers it on window (`CrmVitals.RecordVitals`). */
interface ReactControl {
  init(context: unknown, notifyOutputChanged?: () => void, state?: unknown): void;
  updateView(context: unknown): unknown;
  destroy(): void;
}
type ControlClass = new () => ReactControl;

interface UmdGlobals {
  ReactDOM?: { render(el: unknown, container: Element): void; unmountComponentAtNode(container: Element): boolean };
  [ns: string]: unknown;
}

export interface FormSettings {
  /** Logical name of the form's table. */
  table: string;
  /** Record id, or null on a new record's form. */
  id: string | null;
  strings: Readonly<Record<string, string>>;
  /** BCP-47 tag for dates ("en-US", "de-DE"). */
  locale: string;
  languageId: number;
  userId: string;
  userName: string;
  /** 1 desktop, 2 tablet, 3 phone. */
  formFactor: number;
  disabled: boolean;
  /** `parameters.boundColumn.security.readable` (false = masked by column security). */
  readable: boolean;
  /** The bound column's value and type, as the form passes it. */
  bound: { raw: unknown; formatted: string; type: string; label: string };
}

export interface MountOptions extends FormSettings {
  container: HTMLElement;
  /** `namespace.constructor` of the control, e.g. "CrmVitals.RecordVitals". */
  control: string;
  webAPI: HostedWebApi;
  /** `navigation.openForm`: the host opens its form page for the record. */
  openForm(table: string, id: string | null): void;
  openUrl(url: string): void;
}

export interface MountedControl {
  /** Changes the settings and calls updateView, as the platform does ([] = after a save). */
  update(changes: Partial<FormSettings>, updatedProperties: string[]): void;
  /** How many times updateView ran. */
  readonly views: number;
  destroy(): void;
}

function controlClass(name: string): ControlClass {
  const [ns, ctor] = name.split(".");
  const g = window as unknown as UmdGlobals;
  const cls = (g[ns] as Record<string, unknown> | undefined)?.[ctor];
  if (typeof cls !== "function") throw new Error(`The control ${name} is not loaded: its bundle.js did not register it (build it with node controls/pcf.cjs build).`);
  return cls as ControlClass;
}

/** Creates the control, calls init and the first updateView, and renders its element with ReactDOM. */
export function mountControl(opts: MountOptions): MountedControl {
  const reactDom = (window as unknown as UmdGlobals).ReactDOM;
  if (!reactDom) throw new Error("ReactDOM 16.14 (UMD) is not loaded: the platform libraries are missing from the page.");
  const s: FormSettings = { ...opts };
  let tracking = false;
  let views = 0;
  const width = (): number => Math.round(opts.container.getBoundingClientRect().width);
  const context = {
    parameters: {
      boundColumn: {
        get raw() {
          return s.bound.raw;
        },
        get formatted() {
          return s.bound.formatted;
        },
        error: false,
        errorMessage: "",
        get type() {
          return s.bound.type;
        },
        attributes: { get DisplayName() {
          return s.bound.label;
        } },
        security: {
          get readable() {
            return s.readable;
          },
          get editable() {
            return s.readable && !s.disabled;
          },
          get secured() {
            return !s.readable;
          },
        },
      },
    },
    mode: {
      allocatedWidth: width(),
      allocatedHeight: -1,
      get isControlDisabled() {
        return s.disabled;
      },
      isVisible: true,
      label: opts.bound.label,
      setControlState: () => true,
      setFullScreen: () => undefined,
      trackContainerResize: (value: boolean) => {
        tracking = value;
      },
      contextInfo: {
        get entityTypeName() {
          return s.table;
        },
        get entityId() {
          return s.id ?? "";
        },
        get entityRecordName() {
          return "";
        },
      },
    },
    client: {
      getFormFactor: () => s.formFactor,
      getClient: () => (s.formFactor === 3 ? "Mobile" : "Web"),
      isOffline: () => false,
      isNetworkAvailable: () => navigator.onLine,
      disableScroll: false,
    },
    resources: {
      getString: (key: string) => s.strings[key] ?? key,
      getResource: (_id: string, _success: (data: string) => void, failure: () => void) => failure(),
    },
    navigation: {
      openForm: (o: { entityName: string; entityId?: string }) => {
        opts.openForm(o.entityName, o.entityId ?? null);
        return Promise.resolve({ savedEntityReference: [] });
      },
      openUrl: (url: string) => opts.openUrl(url),
    },
    formatting: {
      formatDateShort: (d: Date) => d.toLocaleDateString(s.locale, { timeZone: "UTC" }),
    },
    userSettings: {
      get languageId() {
        return s.languageId;
      },
      get userId() {
        return `{${s.userId.toUpperCase()}}`;
      },
      get userName() {
        return s.userName;
      },
    },
    webAPI: opts.webAPI,
    updatedProperties: [] as string[],
    factory: { requestRender: () => render(["layout"]) },
  };

  const control = new (controlClass(opts.control))();
  function render(updated: string[]): void {
    context.updatedProperties = updated;
    context.mode.allocatedWidth = width();
    views++;
    reactDom!.render(control.updateView(context), opts.container);
  }
  control.init(context, () => undefined, {});
  render([]);

  let lastWidth = context.mode.allocatedWidth;
  const observer = new ResizeObserver(() => {
    const w = width();
    if (!tracking || w === lastWidth) return;
    lastWidth = w;
    render(["layout"]);
  });
  observer.observe(opts.container);

  return {
    update(changes, updatedProperties) {
      Object.assign(s, changes);
      render(updatedProperties);
    },
    get views() {
      return views;
    },
    destroy() {
      observer.disconnect();
      control.destroy();
      reactDom.unmountComponentAtNode(opts.container);
    },
  };
}
