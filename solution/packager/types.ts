// The declarative solution source (solution/src/*.json), as the packager reads it after validation.
// The JSON Schemas that check these shapes are in ./schema.ts.

export type PrivilegeDepth = "Basic" | "Local" | "Deep" | "Global";

export interface PublisherSource {
  uniqueName: string;
  displayName: string;
  description: string;
  customizationPrefix: string;
  optionValuePrefix: number;
}

export interface SolutionManifestSource {
  uniqueName: string;
  displayName: string;
  description: string;
  languageCode: number;
  publisher: PublisherSource;
}

export interface ChoiceOption {
  value: number;
  label: string;
}

export interface GlobalChoice {
  name: string;
  displayName: string;
  description: string;
  options: ChoiceOption[];
}

interface ColumnBase {
  schemaName: string;
  displayName: string;
  description: string;
  required?: boolean;
  /** Column security: readable and writable only through a column security profile (fieldsecurity.json). */
  secured?: boolean;
}

export interface TextColumn extends ColumnBase {
  type: "text";
  maxLength: number;
}
export interface MemoColumn extends ColumnBase {
  type: "memo";
  maxLength: number;
  /** Only documents what the text holds; Dataverse stores it as multiline text. */
  format?: "json" | "text";
}
export interface IntColumn extends ColumnBase {
  type: "int";
  min: number;
  max: number;
}
export interface DecimalColumn extends ColumnBase {
  type: "decimal";
  precision: number;
  min: number;
  max: number;
}
export interface DateTimeColumn extends ColumnBase {
  type: "datetime";
}
export interface BooleanColumn extends ColumnBase {
  type: "boolean";
  default: boolean;
  trueLabel: string;
  falseLabel: string;
}
export interface ChoiceColumn extends ColumnBase {
  type: "choice";
  /** Name of a global choice in choices.json … */
  choice?: string;
  /** … or the options of a choice local to this column. */
  options?: ChoiceOption[];
  default?: number;
}
export interface LookupColumn extends ColumnBase {
  type: "lookup";
  /** Logical name of the referenced table. */
  target: string;
}

export type ColumnSource =
  | TextColumn
  | MemoColumn
  | IntColumn
  | DecimalColumn
  | DateTimeColumn
  | BooleanColumn
  | ChoiceColumn
  | LookupColumn;

export interface KeySource {
  schemaName: string;
  displayName: string;
  columns: string[];
}

export interface FormSectionSource {
  label: string;
  columns: string[];
}
export interface FormTabSource {
  label: string;
  sections: FormSectionSource[];
}
export interface FormSource {
  name: string;
  description: string;
  tabs: FormTabSource[];
}

export type ViewType = "public" | "quickfind" | "lookup" | "associated" | "advancedfind";

export interface ViewCondition {
  attribute: string;
  operator: string;
  value?: string;
}
export interface ViewOrder {
  attribute: string;
  descending: boolean;
}
export interface ViewSource {
  name: string;
  type: ViewType;
  default?: boolean;
  description?: string;
  columns: string[];
  /** Quick find only: the columns searched. */
  findColumns?: string[];
  filter?: ViewCondition[];
  order?: ViewOrder[];
}

export interface TableSource {
  schemaName: string;
  displayName: string;
  pluralName: string;
  description: string;
  ownership: "user";
  primaryName: { schemaName: string; displayName: string; maxLength: number; description: string };
  columns: ColumnSource[];
  keys?: KeySource[];
  forms: FormSource[];
  views: ViewSource[];
}

export type PrivilegeVerb = "create" | "read" | "write" | "delete" | "append" | "appendTo" | "assign" | "share";

export type TablePrivilegeSource = { table: string; why: string } & Partial<Record<PrivilegeVerb, PrivilegeDepth>>;

export interface RoleSource {
  name: string;
  description: string;
  tables: TablePrivilegeSource[];
}

export type EnvironmentVariableType = "text" | "number" | "boolean" | "json";

export interface EnvironmentVariableSource {
  schemaName: string;
  displayName: string;
  description: string;
  type: EnvironmentVariableType;
  default?: string;
}

export interface WebResourceSource {
  name: string;
  displayName: string;
  description: string;
  build: string;
  builtBy: string;
}

export interface WebResourceFolderSource {
  namePrefix: string;
  displayName: string;
  description: string;
  build: string;
  entry: string;
  builtBy: string;
  whenMissing: "fail" | "omit";
}

export interface ControlSource {
  namespace: string;
  constructor: string;
  build: string;
  builtBy: string;
}

export interface SubAreaSource {
  id: string;
  title: string;
  table?: string;
  webResource?: string;
}
export interface GroupSource {
  id: string;
  title: string;
  subAreas: SubAreaSource[];
}
export interface AreaSource {
  id: string;
  title: string;
  groups: GroupSource[];
}
export interface AppSource {
  uniqueName: string;
  displayName: string;
  description: string;
  roles: string[];
  tables: string[];
  siteMap: { areas: AreaSource[] };
}

export interface FieldPermissionSource {
  table: string;
  column: string;
  read: boolean;
  create: boolean;
  update: boolean;
}

export interface FieldSecurityProfileSource {
  name: string;
  description: string;
  permissions: FieldPermissionSource[];
}

/** One standard main form the record panel is added to (solution/src/forms.json). */
export interface PanelFormSource {
  table: string;
  /** The form's name in the organisation (its LocalizedName). */
  formName: string;
  formId: string;
  /** The column the control is bound to, and its PCF type (one of the manifest's type-group). */
  boundColumn: string;
  boundType: string;
}

export interface PanelFormsSource {
  /** `<namespace>.<constructor>` of a control in controls.json. */
  control: string;
  tabLabel: string;
  forms: PanelFormSource[];
}

/** Everything in solution/src, validated and cross-checked. */
export interface SolutionSource {
  /** Folder the source was read from. */
  dir: string;
  manifest: SolutionManifestSource;
  /** Four-part version, from package.json. */
  version: string;
  choices: GlobalChoice[];
  tables: TableSource[];
  roles: RoleSource[];
  fieldSecurityProfiles: FieldSecurityProfileSource[];
  environmentVariables: EnvironmentVariableSource[];
  webResources: WebResourceSource[];
  webResourceFolders: WebResourceFolderSource[];
  controls: ControlSource[];
  app: AppSource;
  panelForms: PanelFormsSource;
}
